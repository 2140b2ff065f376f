public import Logging

/// Filters a whole response body in one wire format as its bytes arrive: plain text
/// (``TextResponseFilter``) or OpenAI server-sent events (``SSEResponseFilter``). What the `filter`
/// command and the server middleware run.
public protocol ResponseStreamFilter {
    /// Takes the next bytes of the body (cut anywhere) and appends what may be sent now.
    mutating func consume(_ bytes: some Collection<UInt8>, into output: inout [UInt8])
    /// Ends the body and appends the rest.
    mutating func finish(into output: inout [UInt8])
    /// Whether the response, or any choice of it, was blocked.
    var wasBlocked: Bool { get }
}

/// Receives the events of a response as they happen, with where they happened in a format that holds
/// several texts (`choice` and `field` in chat completions, `stream` in the Responses API; empty for text).
public typealias ResponseEventHandler = (_ events: [FilterEvent], _ context: [String: String]) -> Void

/// What a response filter needs besides its bytes.
public struct ResponseFilterSettings {
    /// The rules: a ``RuleSet``, or a ``LiveRuleSet`` whose current set each response takes as it begins.
    public var rules: any RuleSetProvider
    public var configuration: FilterConfiguration
    public var events: ResponseEventHandler?
    public var logger: Logger?
    public var metrics: FilterMetrics?

    public init(rules: any RuleSetProvider, configuration: FilterConfiguration = FilterConfiguration(),
                events: ResponseEventHandler? = nil, logger: Logger? = nil, metrics: FilterMetrics? = nil) {
        self.rules = rules
        self.configuration = configuration
        self.events = events
        self.logger = logger
        self.metrics = metrics
    }

    /// A stream filter for one text of a response. Only the answer's text (`isContent`) carries the
    /// disclosure, persona label and disclaimers; refusals, reasoning and tool arguments are filtered alone.
    func makeStreamFilter(rules: RuleSet, isContent: Bool) -> StreamFilter {
        var configuration = configuration
        if !isContent {
            configuration.disclosurePosition = nil
            configuration.persona = nil
            configuration.texts.disclaimers = [:]
            configuration.texts.genericDisclaimer = LocalizedText(zh: "", en: "")
        }
        return StreamFilter(rules: rules, configuration: configuration, logger: logger, metrics: metrics)
    }
}

/// Where a response takes its rules from as it begins.
public protocol RuleSetProvider: Sendable {
    /// The rules for a response that begins now.
    var current: RuleSet { get }
}

extension RuleSet: RuleSetProvider {
    /// The set itself.
    public var current: RuleSet { self }
}

extension LiveRuleSet: RuleSetProvider {}

/// A plain-text body: the bytes are the response's text.
public struct TextResponseFilter: ResponseStreamFilter {
    private let filter: StreamFilter
    private let events: ResponseEventHandler?
    private var released = FilterOutput()

    public init(_ settings: ResponseFilterSettings) {
        filter = settings.makeStreamFilter(rules: settings.rules.current, isContent: true)
        events = settings.events
    }

    public mutating func consume(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        filter.feed(bytes, into: &released)
        drain(into: &output)
    }

    public mutating func finish(into output: inout [UInt8]) {
        filter.finish(into: &released)
        drain(into: &output)
    }

    private mutating func drain(into output: inout [UInt8]) {
        output += released.bytes
        if !released.events.isEmpty { events?(released.events, [:]) }
        released.removeAll()
    }

    public var wasBlocked: Bool { filter.isBlocked }
}
