public import ContentFilter
public import HTTPTypes
public import Hummingbird
public import NIOCore

/// Hummingbird middleware that filters the response bodies of the routes it wraps as they stream:
/// `text/event-stream` bodies as OpenAI server-sent events (``SSEResponseFilter``), `text/plain` bodies
/// as text (``TextResponseFilter``), and `application/json` bodies as a whole chat completion
/// (``ChatCompletionResponseFilter``). Each chunk the route writes is filtered and sent on at once; the
/// held-back tail and the disclaimers are sent when the body ends. Other bodies pass through.
///
/// Events go to the request's logger (`context.logger`) and to `metrics`.
///
/// ```swift
/// let router = Router()
/// router.add(middleware: ContentFilterMiddleware(rules: RuleSet.shipped))
/// router.post("/chat") { request, context in
///     Response(status: .ok, headers: [.contentType: "text/event-stream"],
///              body: ResponseBody(asyncSequence: modelStream(request)))   // filtered on the way out
/// }
/// ```
public struct ContentFilterMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The configuration for one request's response, or `nil` to leave it unfiltered.
    public typealias ConfigurationProvider = @Sendable (Request, Context) -> FilterConfiguration?

    private let rules: any RuleSetProvider
    private let metrics: FilterMetrics?
    private let configuration: ConfigurationProvider

    /// - Parameters:
    ///   - rules: a ``RuleSet``, or a ``LiveRuleSet`` whose current set each response takes as it begins.
    ///   - metrics: where every response's counts and timings go; none by default.
    ///   - configuration: each request's configuration (language, persona, ...); the default for all by default.
    public init(rules: any RuleSetProvider, metrics: FilterMetrics? = nil,
                configuration: @escaping ConfigurationProvider = { _, _ in FilterConfiguration() }) {
        self.rules = rules
        self.metrics = metrics
        self.configuration = configuration
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let format = BodyFormat(contentType: response.headers[.contentType]),
              let configuration = configuration(request, context) else { return response }
        let (rules, metrics, logger) = (rules, metrics, context.logger)
        let body = response.body
        response.body = ResponseBody { writer in
            let settings = ResponseFilterSettings(rules: rules, configuration: configuration, logger: logger, metrics: metrics)
            try await body.write(FilteringBodyWriter(parent: writer, filter: format.makeFilter(settings)))
        }
        response.headers[.contentLength] = nil
        return response
    }
}

/// The body formats the middleware filters, by content type.
enum BodyFormat {
    case serverSentEvents, text, json

    init?(contentType: String?) {
        let mediaType = contentType?.split(separator: ";").first.map { $0.filter { $0 != " " }.lowercased() }
        switch mediaType {
        case "text/event-stream": self = .serverSentEvents
        case "text/plain": self = .text
        case "application/json": self = .json
        default: return nil
        }
    }

    func makeFilter(_ settings: ResponseFilterSettings) -> any ResponseStreamFilter {
        switch self {
        case .serverSentEvents: SSEResponseFilter(settings)
        case .text: TextResponseFilter(settings)
        case .json: ChatCompletionResponseFilter(settings)
        }
    }
}

/// Passes what the filter releases for each buffer written, and its tail at the end, to the real writer.
struct FilteringBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    var filter: any ResponseStreamFilter
    private var output: [UInt8] = []

    init(parent: any ResponseBodyWriter, filter: any ResponseStreamFilter) {
        self.parent = parent
        self.filter = filter
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        // The filter and the buffer are both parts of `self`: the buffer is moved out while the filter
        // writes into it, keeping its storage.
        var released: [UInt8] = []
        swap(&released, &output)
        filter.consume(buffer.readableBytesView, into: &released)
        output = released
        try await sendOutput()
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var released: [UInt8] = []
        swap(&released, &output)
        filter.finish(into: &released)
        output = released
        try await sendOutput()
        try await parent.finish(trailingHeaders)
    }

    private mutating func sendOutput() async throws {
        guard !output.isEmpty else { return }
        try await parent.write(ByteBuffer(bytes: output))
        output.removeAll(keepingCapacity: true)
    }
}
