public import ArgumentParser
import AsyncHTTPClient
import ContentFilter
import ContentFilterHummingbird
import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import Metrics
import NIOCore
import Prometheus

@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contentfilter-serve",
        abstract: "An OpenAI-compatible proxy that filters the answers of the model server behind it.",
        discussion: """
            `POST /v1/chat/completions` goes to the upstream, and its answer comes back filtered: streamed \
            answers (`"stream": true`) as the `filter` command's SSE format says, whole answers through the \
            whole-text path, with the same actions, AI disclosure and disclaimers. Every other path passes \
            through unfiltered. Upstream errors and timeouts become OpenAI-style error responses.

            Per request, `X-ContentFilter-Lang: zh|en|auto` sets the language of injected text and \
            `X-ContentFilter-Persona: NAME` (percent-encoded UTF-8) adds the label for a simulated person; \
            neither is sent upstream. Events go to the log (stderr), counts to Prometheus metrics at \
            `--metrics-path`. SIGHUP reloads the rules for the requests that follow.

            Example:
              contentfilter-serve --upstream http://127.0.0.1:8000 --port 8080
              curl -sN localhost:8080/v1/chat/completions -H 'Content-Type: application/json' \\
                -d '{"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
            """
    )

    @Option(help: ArgumentHelp("The model server's base URL (the part before /v1).", valueName: "url"))
    var upstream: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one; the address is printed on stdout).")
    var port = 8080

    @Option(name: .customLong("rules"), help: ArgumentHelp("Load rules from this directory instead of the shipped set (repeatable).", valueName: "dir"))
    var ruleDirectories: [String] = []

    @Option(help: ArgumentHelp("A YAML configuration file, the `filter` command's format.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Seconds the upstream may stay silent, before its answer starts or within it.", valueName: "seconds"))
    var upstreamTimeout: Int = 60

    @Option(help: ArgumentHelp("The most connections to the upstream at once; requests beyond wait for one.", valueName: "count"))
    var maximumUpstreamConnections = 1024

    @Option(help: "Where Prometheus metrics are served.")
    var metricsPath = "/contentfilter/metrics"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard let url = URL(string: upstream), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--upstream must be an http:// or https:// URL, not `\(upstream)`")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard upstreamTimeout > 0 else { throw ValidationError("--upstream-timeout must be at least 1 second") }
        guard maximumUpstreamConnections > 0 else { throw ValidationError("--maximum-upstream-connections must be at least 1") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "contentfilter-serve")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let configuration = try loadConfiguration()
        let rules: LiveRuleSet
        do {
            let sources: [RuleSource] = ruleDirectories.isEmpty ? [.shipped] : ruleDirectories.map { .directory(URL(fileURLWithPath: $0)) }
            rules = try LiveRuleSet(sources: sources, logger: logger)
        } catch {
            throw StartupError(description: "the rules did not load:\n\(error)")
        }
        let reloads = rules.reloadOnHangup()  // each reload logs its outcome

        // One upstream connection per concurrent answer: the client's default pool (8 per host) would queue the rest.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(upstreamTimeout))),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumUpstreamConnections)))
        let proxy = ChatProxy(upstream: upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream, client: client)
        let router = Router()
        router.get(RouterPath(metricsPath)) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        // One catch-all route: the router does not fall back from a longer route to a wildcard.
        router.add(middleware: ContentFilterMiddleware(rules: rules, metrics: FilterMetrics()) { request, _ in
            ChatProxy.isChatCompletion(request) ? ChatProxy.filterConfiguration(for: request, base: configuration) : nil
        })
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method, use: proxy.forward)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "contentfilter-serve"),
            onServerRunning: { channel in
                let address = channel.localAddress
                let line = "contentfilter-serve listening on http://\(address?.ipAddress ?? "?"):\(address?.port ?? 0), upstream \(upstream)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger
        )
        do {
            try await app.runService()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        reloads.cancel()
    }

    private func loadConfiguration() throws -> FilterConfiguration {
        guard let config else { return FilterConfiguration() }
        guard let data = FileManager.default.contents(atPath: config) else {
            throw StartupError(description: "\(config): cannot read the configuration file")
        }
        do {
            return try FilterConfiguration(yaml: String(decoding: data, as: UTF8.self), file: config)
        } catch {
            throw StartupError(description: error.problems.map(\.description).joined(separator: "\n"))
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A reason the server cannot start (rules, configuration), printed without the usage text.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}
