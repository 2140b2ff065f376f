internal import CoreMetrics
internal import Logging

/// What one stream filter reports besides its output: events to the caller's logger, and counts and
/// timings to its metrics. A class, so that a stream checks for it without copying the logger.
final class StreamTelemetry {
    let logger: Logger?
    let metrics: FilterMetrics?
    let ruleSetVersion: String

    init(logger: Logger?, metrics: FilterMetrics?, ruleSetVersion: String) {
        self.logger = logger
        self.metrics = metrics
        self.ruleSetVersion = ruleSetVersion
    }

    /// How far the output had grown, and when, as a chunk began.
    struct Mark {
        let eventCount: Int
        let byteCount: Int
        let start: ContinuousClock.Instant
    }

    func begin(_ output: FilterOutput) -> Mark {
        Mark(eventCount: output.events.count, byteCount: output.bytes.count, start: .now)
    }

    /// Reports what a chunk (or the end of the response) added to `output` since `mark`.
    /// `heldBack` is recorded after a chunk, not at the end, where nothing is held back.
    func end(_ mark: Mark, output: FilterOutput, bytesIn: Int, heldBack: Int, finished: Bool) {
        let events = output.events[mark.eventCount...]
        if let logger {
            for event in events { logger.log(event, ruleSetVersion: ruleSetVersion) }
        }
        guard let metrics else { return }
        let elapsed = mark.start.duration(to: .now).components
        metrics.chunkDuration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        metrics.bytesIn.increment(by: bytesIn)
        metrics.bytesOut.increment(by: output.bytes.count - mark.byteCount)
        for event in events { metrics.count(event) }
        if finished {
            metrics.responses.increment()
        } else {
            metrics.heldBack.record(heldBack)
        }
    }
}
