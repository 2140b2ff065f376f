// swift-tools-version: 6.1
// The benchmarks are a package of their own, so that users of the library never build them.
// Run them with `swift package --package-path Benchmarks benchmark` from the repository's root.
import PackageDescription

let package = Package(
    name: "ContentFilterBenchmarks",
    dependencies: [
        .package(name: "ContentFilter", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Hyperscan, loaded at run time with dlopen so that the package builds without it installed.
        .target(name: "CHyperscan", linkerSettings: [.linkedLibrary("dl")]),
        .executableTarget(
            name: "FilterBenchmarks",
            dependencies: [
                "CHyperscan",
                .product(name: "ContentFilter", package: "ContentFilter"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FilterBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
