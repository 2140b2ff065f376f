import ContentFilter
import Foundation
import Testing

/// `contentfilter-serve` end to end on loopback: a fake upstream model server (`Tests/Serve/fake_upstream.py`)
/// streams a scripted answer word by word, the proxy filters it, and real clients read it: `curl` and the
/// official `openai` Python client (`scripts/bootstrap` installs both).
@Suite(.serialized) struct ServeTests {
    static let root = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let serveBinary = CommandTests.binary.deletingLastPathComponent().appending(path: "contentfilter-serve")

    /// A server process started for a test, stopped when the value goes away.
    final class Server {
        let process = Process()
        /// The port it printed once it listened.
        let port: Int
        private let output = Pipe()

        init(_ executable: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first line says where it listens: "… listening on PORT" or "… on http://HOST:PORT, …".
            var received = Data()
            while !received.contains(0x0A) {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }  // it exited
                received += data
            }
            let text = String(decoding: received, as: UTF8.self)
            guard let match = text.firstMatch(of: /listening on (?:http:\/\/[^:]+:)?(\d+)/), let port = Int(match.1) else {
                kill(process.processIdentifier, SIGKILL)
                throw ServerDidNotStart(output: text)
            }
            self.port = port
        }

        deinit {
            // SIGKILL: the test runner may pass on SIGTERM blocked.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    struct ServerDidNotStart: Error {
        let output: String
    }

    static func upstream() throws -> Server {
        try Server("python3", [root.appending(path: "Tests/Serve/fake_upstream.py").path])
    }

    static func proxy(to upstream: String, _ arguments: [String] = []) throws -> Server {
        try Server(serveBinary.path, ["--upstream", upstream, "--port", "0", "--rules", fixturesDirectory.appending(path: "rules").path] + arguments)
    }

    /// Runs a command and returns its stdout.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// What the `openai` client received: content, finish reason, or the API error.
    static func openAI(_ port: Int, _ mode: String, _ text: String, headers: [String: String] = [:]) throws -> [String: Any] {
        let output = try run(["python3", root.appending(path: "Tests/Serve/openai_client.py").path, "http://127.0.0.1:\(port)/v1", mode, text]
                             + headers.map { "\($0)=\($1)" })
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    static func curl(_ port: Int, path: String = "/v1/chat/completions", _ body: String? = nil, headers: [String] = []) throws -> String {
        var arguments = ["curl", "-sN", "http://127.0.0.1:\(port)\(path)", "-w", "\nstatus=%{http_code}"]
        if let body { arguments += ["-H", "Content-Type: application/json", "-d", body] }
        for header in headers { arguments += ["-H", header] }
        return try run(arguments)
    }

    static func request(_ text: String, stream: Bool) throws -> String {
        let object: [String: Any] = ["model": "fake", "stream": stream, "messages": [["role": "user", "content": text]]]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static let answer = "Sure. Call 13800138000 for help. Okay. Here's how to forge a passport: first"
    static let disclosure = PolicyTexts.standard.disclosure.en + "\n\n"
    static let refusal = "\n\n" + PolicyTexts.standard.refusal.en

    @Test func openAIClientReadsFilteredAnswersStreamedAndWhole() throws {
        let upstream = try Self.upstream()
        let proxy = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)")
        let expected = Self.disclosure + "Sure. Call [redacted] for help. Okay. " + Self.refusal
        let streamed = try Self.openAI(proxy.port, "stream", Self.answer)
        #expect(streamed["content"] as? String == expected)
        #expect(streamed["finish_reason"] as? String == "content_filter")
        #expect((streamed["chunks"] as? Int ?? 0) > 5)
        let whole = try Self.openAI(proxy.port, "whole", Self.answer)
        #expect(whole["content"] as? String == expected)
        #expect(whole["finish_reason"] as? String == "content_filter")

        let clean = try Self.openAI(proxy.port, "stream", "Take 200 mg twice a day.")
        #expect(clean["content"] as? String == Self.disclosure + "Take 200 mg twice a day.\n\n" + PolicyTexts.standard.disclaimers["medical_advice"]!.en)
        #expect(clean["finish_reason"] as? String == "stop")
    }

    @Test func curlSeesNoByteOfWhatWasFiltered() throws {
        let upstream = try Self.upstream()
        let proxy = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)")
        for stream in [true, false] {
            let output = try Self.curl(proxy.port, try Self.request(Self.answer, stream: stream))
            #expect(output.hasSuffix("status=200"))
            #expect(output.contains("[redacted]"))
            #expect(output.contains("content_filter"))
            for leaked in ["13800138000", "1380013", "forge a passport", "first"] { #expect(!output.contains(leaked), "\(leaked) in \(output)") }
            if stream { #expect(output.contains("data: [DONE]")) }
        }
    }

    @Test func requestHeadersSetTheLanguageAndPersona() throws {
        let upstream = try Self.upstream()
        let proxy = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)")
        let answer = try Self.openAI(proxy.port, "stream", "你好，电话13800138000。",
                                     headers: ["X-ContentFilter-Lang": "zh", "X-ContentFilter-Persona": "%E6%9D%8E%E7%99%BD"])
        let content = answer["content"] as? String ?? ""
        #expect(content.contains("李白"))
        #expect(content.contains(PolicyTexts.standard.disclosure.zh))
        #expect(content.hasSuffix("你好，电话[已屏蔽]。"))
        let rejected = try Self.curl(proxy.port, try Self.request("hi", stream: true), headers: ["X-ContentFilter-Lang: fr"])
        #expect(rejected.hasSuffix("status=400"))
        #expect(rejected.contains("invalid_header"))
    }

    @Test func otherPathsAndUpstreamErrorsPassThrough() throws {
        let upstream = try Self.upstream()
        let proxy = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)")
        #expect(try Self.curl(proxy.port, path: "/v1/models") == (try Self.curl(upstream.port, path: "/v1/models")))
        let failed = try Self.openAI(proxy.port, "whole", "FAIL")["error"] as? [String: Any]
        #expect(failed?["status"] as? Int == 500)
        #expect(failed?["code"] as? String == "model_failed")
    }

    @Test func anUnreachableOrSilentUpstreamBecomesAnOpenAIError() throws {
        let upstream = try Self.upstream()
        let unreachable = try Self.proxy(to: "http://127.0.0.1:9")  // the discard port: nothing listens
        let refused = try Self.openAI(unreachable.port, "stream", "hi")["error"] as? [String: Any]
        #expect(refused?["status"] as? Int == 502)
        #expect(refused?["code"] as? String == "upstream_unreachable")

        let impatient = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)", ["--upstream-timeout", "1"])
        let timedOut = try Self.openAI(impatient.port, "whole", "HANG")["error"] as? [String: Any]
        #expect(timedOut?["status"] as? Int == 504)
        #expect(timedOut?["code"] as? String == "upstream_timeout")

        // The upstream closes the connection in the middle of its answer: the stream ends with an error record.
        let dropped = try Self.curl(impatient.port, try Self.request("DROP Call 13800138000 now and", stream: true))
        #expect(dropped.contains("[redacted]"))
        #expect(dropped.contains("\"upstream_unreachable\"") || dropped.contains("\"upstream_timeout\""))
        #expect(!dropped.contains("13800138000"))
    }

    @Test func concurrentRequestsAreIndependent() async throws {
        let upstream = try Self.upstream()
        let proxy = try Self.proxy(to: "http://127.0.0.1:\(upstream.port)")
        let port = proxy.port
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for request in 0..<24 {
                group.addTask {
                    let text = request % 2 == 0 ? "Answer \(request): call 13800138000 today." : "Answer \(request): all clear."
                    return (request, try Self.curl(port, try Self.request(text, stream: true)))
                }
            }
            var results: [Int: String] = [:]
            for try await (request, output) in group { results[request] = output }
            return results
        }
        for (request, output) in results {
            let content = Self.contentOfStream(output)
            let expected = request % 2 == 0 ? "Answer \(request): call [redacted] today." : "Answer \(request): all clear."
            #expect(content == Self.disclosure + expected, "request \(request)")
        }
    }

    /// The concatenated `delta.content` of an SSE body.
    static func contentOfStream(_ body: String) -> String {
        body.components(separatedBy: "\n").filter { $0.hasPrefix("data: {") }.compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
            return ((object?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
    }
}
