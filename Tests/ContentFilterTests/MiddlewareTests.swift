import ContentFilter
import ContentFilterFuzzing
import ContentFilterHummingbird
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `ContentFilterMiddleware` in a Hummingbird app: bodies filtered as the route writes them.
@Suite struct MiddlewareTests {
    /// An app whose `/answer` route streams `chunks` with `contentType`, behind the middleware.
    static func app(_ chunks: [String], contentType: String, filtered: Bool = true) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ContentFilterMiddleware(rules: fixtureRules) { _, _ in filtered ? .plain : nil })
        router.get("answer") { _, _ in
            let body = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(ByteBuffer(string: chunk)) }
                continuation.finish()
            }
            return Response(status: .ok, headers: [.contentType: contentType, .contentLength: "999"], body: ResponseBody(asyncSequence: body))
        }
        return Application(router: router)
    }

    static func body(of app: some ApplicationProtocol) async throws -> (text: String, contentLength: String?) {
        try await app.test(.router) { client in
            try await client.execute(uri: "/answer", method: .get) { response in
                (String(buffer: response.body), response.headers[.contentLength])
            }
        }
    }

    @Test func textBodyIsFilteredAcrossWritesAndItsTailFlushedAtTheEnd() async throws {
        // The last number is undecided until the body ends: 7 digits are not a phone number.
        let result = try await Self.body(of: Self.app(["Call 1380", "0138000 now", " or 1380013"], contentType: "text/plain; charset=utf-8"))
        #expect(result.text == "Call [redacted] now or 1380013")
        #expect(result.contentLength != "999")
    }

    @Test func serverSentEventsAreFilteredAsAChatCompletionStream() async throws {
        let record = #"data: {"choices":[{"index":0,"delta":{"content":"Call 13800138000"},"finish_reason":"stop"}]}"# + "\n\n"
        let result = try await Self.body(of: Self.app([record, "data: [DONE]\n\n"], contentType: "text/event-stream"))
        #expect(result.text.contains(#""content":"Call [redacted]""#))
        #expect(!result.text.contains("13800138000"))
        #expect(result.text.hasSuffix("data: [DONE]\n\n"))
    }

    /// The README's middleware example, with a model stream of two SSE records.
    @Test func readmeExample() async throws {
        let router = Router()
        router.add(middleware: ContentFilterMiddleware(rules: RuleSet.shipped) { request, _ in
            var configuration = FilterConfiguration()
            configuration.language = request.headers[.acceptLanguage]?.hasPrefix("zh") == true ? .zh : .auto
            return configuration
        })
        router.post("chat") { _, _ in
            let model = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{"content":"电话1380013"},"finish_reason":null}]}"# + "\n\n"))
                continuation.yield(ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{"content":"8000"},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"))
                continuation.finish()
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody(asyncSequence: model))
        }
        let body = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/chat", method: .post, headers: [.acceptLanguage: "zh-CN"]) { String(buffer: $0.body) }
        }
        #expect(body.contains(PolicyTexts.standard.disclosure.zh))
        #expect(body.contains("电话[已屏蔽]"))
        #expect(!body.contains("138"))
    }

    @Test func otherContentTypesAndUnconfiguredRequestsPassThrough() async throws {
        let chunks = ["Call 1380", "0138000"]
        #expect(try await Self.body(of: Self.app(chunks, contentType: "application/octet-stream")).text == "Call 13800138000")
        #expect(try await Self.body(of: Self.app(chunks, contentType: "text/plain", filtered: false)).text == "Call 13800138000")
    }
}
