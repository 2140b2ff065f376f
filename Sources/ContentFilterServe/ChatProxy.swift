import AsyncHTTPClient
import ContentFilter
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Forwards requests to the upstream model server and returns its answers, which the route's
/// ``ContentFilterMiddleware`` filters on their way back.
struct ChatProxy: Sendable {
    /// The upstream's base URL, without a trailing slash.
    let upstream: String
    let client: HTTPClient

    /// The largest request body passed on.
    static let maximumRequestBytes = 16 << 20
    /// How long one upstream answer may take in all: an answer that keeps streaming is not cut short
    /// (silence is bounded by the client's read timeout).
    static let answerDeadline = TimeAmount.hours(1)

    /// Request headers that are not passed on: hop-by-hop, recomputed, or the filter's own. Compression
    /// is asked for by no one: the filter reads the answer's text.
    private static let unforwardedRequestHeaders: Set<String> = [
        "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "accept-encoding",
        languageHeader, personaHeader,
    ]
    /// Response headers that are not passed back: the filter changes the body's length.
    private static let unforwardedResponseHeaders: Set<String> = ["content-length", "connection", "keep-alive", "transfer-encoding"]

    static let languageHeader = "x-contentfilter-lang"
    static let personaHeader = "x-contentfilter-persona"

    /// The filter configuration for one request: `base` with the request's language and persona headers.
    static func filterConfiguration(for request: Request, base: FilterConfiguration) -> FilterConfiguration {
        var configuration = base
        if let language = request.headers[HTTPField.Name(languageHeader)!].flatMap(FilterConfiguration.LanguageSetting.init(rawValue:)) {
            configuration.language = language
        }
        if let persona = request.headers[HTTPField.Name(personaHeader)!] {
            configuration.persona = persona.removingPercentEncoding ?? persona
        }
        return configuration
    }

    /// Whether the request asks for a chat completion: the answers that are filtered.
    static func isChatCompletion(_ request: Request) -> Bool {
        request.method == .post && request.uri.path == "/v1/chat/completions"
    }

    /// Any request: sent to the same path of the upstream, its answer returned as it streams.
    @Sendable func forward(_ request: Request, context: some RequestContext) async throws -> Response {
        if Self.isChatCompletion(request), let language = request.headers[HTTPField.Name(Self.languageHeader)!],
           FilterConfiguration.LanguageSetting(rawValue: language) == nil {
            return Self.errorResponse(.badRequest, type: "invalid_request_error", code: "invalid_header", "X-ContentFilter-Lang must be zh, en or auto, not `\(language)`")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumRequestBytes)
        } catch {
            return Self.errorResponse(.contentTooLarge, type: "invalid_request_error", code: "request_too_large", "the request body is larger than \(Self.maximumRequestBytes) bytes")
        }
        var outgoing = HTTPClientRequest(url: upstream + request.uri.description)
        outgoing.method = .init(rawValue: request.method.rawValue)
        for field in request.headers where !Self.unforwardedRequestHeaders.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.body = .bytes(body)
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outgoing, timeout: Self.answerDeadline)
        } catch {
            context.logger.warning("upstream request failed", metadata: ["upstream": "\(upstream)", "error": "\(error)"])
            return Self.upstreamFailure(error)
        }
        if let encoding = answer.headers.first(name: "content-encoding"), encoding.lowercased() != "identity" {
            return Self.errorResponse(.badGateway, code: "upstream_encoding",
                                      "the upstream answered with `Content-Encoding: \(encoding)`, which the content filter cannot read")
        }
        var headers = HTTPFields()
        for header in answer.headers where !Self.unforwardedResponseHeaders.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        let isEventStream = answer.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
        return Response(status: .init(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase), headers: headers,
                        body: ResponseBody(asyncSequence: UpstreamBody(base: answer.body, isEventStream: isEventStream)))
    }

    /// The error response for a request the upstream did not answer.
    static func upstreamFailure(_ error: any Error) -> Response {
        isTimeout(error)
            ? errorResponse(.gatewayTimeout, code: "upstream_timeout", "the upstream model server did not answer in time")
            : errorResponse(.badGateway, code: "upstream_unreachable", "the upstream model server could not be reached: \(error)")
    }

    /// Whether the upstream failed by taking too long (504) rather than by failing (502).
    static func isTimeout(_ error: any Error) -> Bool {
        switch error as? HTTPClientError {
        case .some(.readTimeout), .some(.connectTimeout), .some(.deadlineExceeded), .some(.getConnectionFromPoolTimeout): true
        default: false
        }
    }

    /// An OpenAI-style error: `{"error": {"message", "type", "param", "code"}}`.
    static func errorResponse(_ status: HTTPResponse.Status, type: String = "upstream_error", code: String, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: errorObject(type: type, code: code, message))))
    }

    static func errorObject(type: String = "upstream_error", code: String, _ message: String) -> [UInt8] {
        let object: [String: Any] = ["error": ["message": message, "type": type, "param": NSNull(), "code": code]]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}

/// The upstream's answer body. If the upstream fails while streaming events, an OpenAI-style error record
/// ends the stream, so the client learns why it stopped.
struct UpstreamBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: HTTPClientResponse.Body
    let isEventStream: Bool

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let isEventStream: Bool
        var ended = false

        mutating func next() async throws -> ByteBuffer? {
            guard !ended else { return nil }
            do {
                return try await base.next()
            } catch where isEventStream {
                ended = true
                let record = ChatProxy.isTimeout(error)
                    ? ChatProxy.errorObject(code: "upstream_timeout", "the upstream model server stopped answering")
                    : ChatProxy.errorObject(code: "upstream_unreachable", "the upstream model server failed: \(error)")
                return ByteBuffer(bytes: Array("data: ".utf8) + record + Array("\n\n".utf8))
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), isEventStream: isEventStream)
    }
}
