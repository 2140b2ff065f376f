public import CoreMetrics
internal import Synchronization

/// The swift-metrics instruments that stream filters record to: make one when the server starts, after
/// bootstrapping its metrics backend, and pass it to every ``StreamFilter``.
///
/// | label | kind | dimensions | what it records |
/// |---|---|---|---|
/// | `contentfilter_bytes_in_total` | counter | | response bytes fed to filters |
/// | `contentfilter_bytes_out_total` | counter | | bytes released, injected text included |
/// | `contentfilter_responses_total` | counter | | responses finished |
/// | `contentfilter_matches_total` | counter | `category`, `action` | matches that took effect |
/// | `contentfilter_blocked_responses_total` | counter | `category` | responses ended by a `block` match |
/// | `contentfilter_undecided_total` | counter | `reason` (`overflow`, `limit`), `category`, `policy` | possible matches decided by a fail-closed or fail-open policy |
/// | `contentfilter_invalid_utf8_total` | counter | | runs of invalid UTF-8 replaced |
/// | `contentfilter_held_back_bytes` | recorder | | bytes held back after each chunk |
/// | `contentfilter_chunk_duration` | timer | | time to filter one chunk (nanoseconds) |
public final class FilterMetrics: Sendable {
    let bytesIn: Counter
    let bytesOut: Counter
    let responses: Counter
    let invalidUTF8: Counter
    let heldBack: Recorder
    let chunkDuration: CoreMetrics.Timer
    private let factory: any MetricsFactory
    /// Counters with dimensions, made when first needed: categories come from the rules.
    private let dimensionedCounters = Mutex<[CounterKey: Counter]>([:])

    private struct CounterKey: Hashable {
        let label: String
        let dimensions: [String]
    }

    /// - Parameter factory: the metrics backend; by default the one bootstrapped in `MetricsSystem`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        bytesIn = Counter(label: "contentfilter_bytes_in_total", factory: factory)
        bytesOut = Counter(label: "contentfilter_bytes_out_total", factory: factory)
        responses = Counter(label: "contentfilter_responses_total", factory: factory)
        invalidUTF8 = Counter(label: "contentfilter_invalid_utf8_total", factory: factory)
        heldBack = Recorder(label: "contentfilter_held_back_bytes", factory: factory)
        chunkDuration = CoreMetrics.Timer(label: "contentfilter_chunk_duration", factory: factory)
    }

    /// Counts what `event` reports.
    func count(_ event: FilterEvent) {
        switch event.type {
        case .match:
            counter("contentfilter_matches_total", ["category": event.category, "action": event.action?.rawValue]).increment()
        case .blocked:
            counter("contentfilter_blocked_responses_total", ["category": event.category]).increment()
        case .overflow, .limit:
            counter("contentfilter_undecided_total",
                    ["reason": event.type.rawValue, "category": event.category, "policy": event.policy?.rawValue]).increment()
        case .invalidUTF8:
            invalidUTF8.increment()
        case .invalidRecord:
            break  // records belong to the caller's wire format, which counts them itself
        }
    }

    private func counter(_ label: String, _ dimensions: KeyValuePairs<String, String?>) -> Counter {
        let pairs = dimensions.map { ($0.key, $0.value ?? "") }
        let key = CounterKey(label: label, dimensions: pairs.map(\.1))
        return dimensionedCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: pairs, factory: factory)
            counters[key] = counter
            return counter
        }
    }
}
