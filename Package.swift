// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ContentFilter",
    products: [
        .library(name: "ContentFilter", targets: ["ContentFilter"]),
        .executable(name: "contentfilter", targets: ["ContentFilterCLI"]),
        // The server pieces are products of their own: the library and the command never build them.
        .library(name: "ContentFilterHummingbird", targets: ["ContentFilterHummingbird"]),
        .executable(name: "contentfilter-serve", targets: ["ContentFilterServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]
        ),
        // No pkgConfig: libutf8proc's .pc file passes a define SwiftPM rejects; the header is in the default path.
        .systemLibrary(
            name: "CUTF8Proc",
            providers: [.apt(["libutf8proc-dev"]), .brew(["utf8proc"])]
        ),
        .target(
            name: "ContentFilter",
            dependencies: [
                "CPCRE2", "CUTF8Proc",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            plugins: ["EmbedRulesPlugin"]
        ),
        .executableTarget(
            name: "ContentFilterCLI",
            dependencies: [
                "ContentFilter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ContentFilterHummingbird",
            dependencies: [
                "ContentFilter",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "ContentFilterServe",
            dependencies: [
                "ContentFilter", "ContentFilterHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(name: "ContentFilterRuleEmbedder"),
        // The fuzz targets' checks, shared by the fuzzer and the tests that replay its corpus (scripts/fuzz).
        .target(name: "ContentFilterFuzzing", dependencies: ["ContentFilter"]),
        // libFuzzer's driver; the fuzzer calls it only when scripts/fuzz builds it with -sanitize=fuzzer.
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(name: "ContentFilterFuzzer", dependencies: ["ContentFilterFuzzing", "CLibFuzzer"]),
        .plugin(
            name: "EmbedRulesPlugin",
            capability: .buildTool(),
            dependencies: ["ContentFilterRuleEmbedder"]
        ),
        .testTarget(
            name: "ContentFilterTests",
            // The CLI tests run the built `contentfilter` binary; depending on it makes sure it is built.
            dependencies: [
                "ContentFilter", "ContentFilterCLI", "ContentFilterServe", "ContentFilterHummingbird", "ContentFilterFuzzing",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
