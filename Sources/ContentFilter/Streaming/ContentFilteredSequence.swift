public import Logging

/// A chunk of filtered output from ``ContentFilteredSequence``.
public struct FilteredChunk: Sendable, Hashable {
    /// Text to send on (may be empty when the chunk carries only events).
    public var text: String
    public var events: [FilterEvent]
}

/// An asynchronous sequence of a response's chunks, filtered by a ``StreamFilter``.
///
/// Made by `contentFiltered(by:configuration:)` on any `AsyncSequence` of ``ResponseChunk``s (text or
/// UTF-8 bytes). Once the response is blocked, the sequence yields the refusal, ends, and does not
/// pull from its upstream again, so the server can cancel generation.
public struct ContentFilteredSequence<Base: AsyncSequence>: AsyncSequence where Base.Element: ResponseChunk {
    public typealias Element = FilteredChunk

    let base: Base
    let rules: RuleSet
    let configuration: FilterConfiguration
    let logger: Logger?
    let metrics: FilterMetrics?

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(),
                      filter: StreamFilter(rules: rules, configuration: configuration, logger: logger, metrics: metrics))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let filter: StreamFilter
        var output = FilterOutput()

        public mutating func next() async throws -> FilteredChunk? {
            while true {
                if case .finished = filter.state {
                    return nil
                } else if filter.isBlocked {
                    // Stop pulling: the response is over.
                    filter.finish(into: &output)
                } else if let element = try await base.next() {
                    element.feed(to: filter, into: &output)
                } else {
                    filter.finish(into: &output)
                }
                if !output.isEmpty {
                    defer { output.removeAll() }
                    return FilteredChunk(text: output.text, events: output.events)
                }
            }
        }
    }
}

extension ContentFilteredSequence: Sendable where Base: Sendable {}

/// A chunk of a response that a ``StreamFilter`` can take: text, or UTF-8 bytes that may end inside a
/// character. Conform your own chunk type to filter sequences of it.
public protocol ResponseChunk {
    /// Feeds this chunk to `filter`.
    func feed(to filter: StreamFilter, into output: inout FilterOutput)
}

extension String: ResponseChunk {
    public func feed(to filter: StreamFilter, into output: inout FilterOutput) { filter.feed(utf8, into: &output) }
}

extension Substring: ResponseChunk {
    public func feed(to filter: StreamFilter, into output: inout FilterOutput) { filter.feed(utf8, into: &output) }
}

extension Array: ResponseChunk where Element == UInt8 {
    public func feed(to filter: StreamFilter, into output: inout FilterOutput) { filter.feed(self, into: &output) }
}

extension ArraySlice: ResponseChunk where Element == UInt8 {
    public func feed(to filter: StreamFilter, into output: inout FilterOutput) { filter.feed(self, into: &output) }
}

extension AsyncSequence where Element: ResponseChunk {
    /// Filters this response's chunks as they arrive, logging events to `logger` and recording to
    /// `metrics` when given (see ``StreamFilter/init(rules:configuration:logger:metrics:)``).
    ///
    /// ```swift
    /// for try await chunk in modelTokens.contentFiltered(by: .shipped) {
    ///     try await send(chunk.text)
    /// }
    /// ```
    public func contentFiltered(by rules: RuleSet, configuration: FilterConfiguration = FilterConfiguration(),
                                logger: Logger? = nil, metrics: FilterMetrics? = nil) -> ContentFilteredSequence<Self> {
        ContentFilteredSequence(base: self, rules: rules, configuration: configuration, logger: logger, metrics: metrics)
    }
}
