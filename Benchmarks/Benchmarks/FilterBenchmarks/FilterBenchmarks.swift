import Benchmark
import CHyperscan
import ContentFilter
import Foundation

// Speed of the filter, side by side with two baselines on the same data in the same run: every rule's
// PCRE2 pattern run over the whole text without the prefilter, and Hyperscan (when installed).
//
// The default run uses data of the project's own: the shipped rules on a corpus generated from the
// benign answers of `Tests/Evaluation`. Set CONTENTFILTER_BENCH_DATA to a directory holding the shared
// benchmark files (`corpus-rare.txt`, `corpus-dense.txt`, `patterns-{100,1000,10000}.txt`) to add the
// runs compared with other engines; beside this checkout, `../shared/bench` is used when it exists.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 5)

    for spec in Workload.all {
        wholeText(spec)
    }
    for spec in Workload.all where spec.streams {
        for chunk in [16, 64] { streaming(spec, chunk: chunk) }
        hyperscanStreaming(spec, chunk: 16)
    }
    for source in Workload.compiledSources {
        Benchmark("compile/\(source.name)", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 3)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try RuleSet(sources: [source.source])) }
        }
    }
}

/// Whole-text scans: the filter, the baseline without prefilter (on the first MiB: it is slow), and
/// Hyperscan in block mode with and without match starts. Each checks what it found.
func wholeText(_ spec: Workload.Spec) {
    let throughput = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, throughput]
    Benchmark("scan/\(spec.name)", configuration: .init(metrics: metrics)) { benchmark in
        let workload = spec.load()
        let rules = workload.rules
        let corpus = workload.corpus
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            let found = rules.rawMatches(inBytes: corpus).matches
            benchmark.measurement(throughput, megabytesPerSecond(corpus.count, since: start))
            precondition(found.count == workload.expectedMatchCount, "the prefiltered scan found \(found.count) matches, the baseline \(workload.expectedMatchCount)")
        }
    }
    Benchmark("scan baseline, no prefilter, first MiB/\(spec.name)", configuration: .init(metrics: metrics, maxIterations: 2)) { benchmark in
        let workload = spec.load()
        let rules = workload.baselineRules
        let slice = workload.corpus.prefix(1 << 20)
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            blackHole(rules.rawMatches(inBytes: slice))
            benchmark.measurement(throughput, megabytesPerSecond(slice.count, since: start))
        }
    }
    for mode in [CHS_BLOCK_START, CHS_BLOCK] {
        let label = mode == CHS_BLOCK_START ? "with match starts" : "end offsets only"
        // Compiled once: at 10,000 patterns Hyperscan takes seconds to compile, more with match starts.
        let compiled = Lasting<Hyperscan?>()
        Benchmark("hyperscan block, \(label)/\(spec.name)", configuration: .init(metrics: metrics)) { benchmark in
            let workload = spec.load()
            guard let engine = compiled.value({ Hyperscan(patterns: workload.patternTexts, mode: mode, benchmark: benchmark) }) else { return }
            let corpus = workload.corpus
            var matched = [UInt8](repeating: 0, count: workload.patternTexts.count)
            for _ in benchmark.scaledIterations {
                let start = ContinuousClock.now
                let events = corpus.withUnsafeBytes { chs_scan(engine.engine, $0.baseAddress, $0.count, &matched) }
                benchmark.measurement(throughput, megabytesPerSecond(corpus.count, since: start))
                precondition(events >= 0, "Hyperscan failed")
            }
            if engine.rejected == 0 && workload.comparesMatchedRules {
                // Hyperscan reports every match end, so compare which patterns matched, not counts.
                let theirs = Set(matched.indices.filter { matched[$0] != 0 }.map { workload.rules.rules[$0].id })
                precondition(workload.matchedRuleIDs == theirs, "Hyperscan matched \(theirs.count) patterns, the filter \(workload.matchedRuleIDs.count)")
            }
        }
    }
}

/// A stream filter fed the corpus in chunks: each iteration (the benchmark's closure runs once per
/// iteration) feeds the stream the next chunk, so the wall-clock percentiles are per chunk of a stream in
/// steady state; the held-back bytes after each chunk are a metric of their own. Only the `feed` call is
/// timed, as only Hyperscan's is on its side: the chunk is cut and the output emptied outside it.
func streaming(_ spec: Workload.Spec, chunk: Int) {
    let heldBack = BenchmarkMetric.custom("held-back bytes", useScalingFactor: false)
    let feed = Lasting<FilterFeed>()
    Benchmark("stream \(chunk)-byte chunks/\(spec.name)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal, heldBack], warmupIterations: 1_000,
                                   maxDuration: .seconds(20), maxIterations: 200_000)) { benchmark in
        let feed = feed.value { FilterFeed(workload: spec.load(), chunk: chunk) }
        let (filter, next) = feed.nextChunk()
        benchmark.startMeasurement()
        filter.feed(next, into: &feed.output)
        benchmark.stopMeasurement()
        feed.output.removeAll()
        benchmark.measurement(heldBack, filter.heldBackByteCount)
    }
}

/// Hyperscan streaming (end offsets only) on the same chunks, one chunk per iteration.
func hyperscanStreaming(_ spec: Workload.Spec, chunk: Int) {
    let feed = Lasting<HyperscanFeed?>()
    Benchmark("hyperscan stream \(chunk)-byte chunks/\(spec.name)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1_000, maxDuration: .seconds(20),
                                   maxIterations: 200_000)) { benchmark in
        guard let feed = feed.value({ HyperscanFeed(workload: spec.load(), chunk: chunk, benchmark: benchmark) }) else { return }
        let (engine, next, count) = feed.nextChunk()
        benchmark.startMeasurement()
        let events = chs_stream_feed(engine, next, count)
        benchmark.stopMeasurement()
        precondition(events >= 0, "Hyperscan failed")
    }
}

/// A value made on first use and kept across a benchmark's iterations (benchmarks run one at a time).
final class Lasting<Value>: @unchecked Sendable {
    private var made: Value?

    func value(_ make: () -> Value) -> Value {
        if let made { return made }
        let value = make()
        made = value
        return value
    }
}

/// A corpus cut into chunks of a fixed size, handed out one after the other as pointers into a copy that
/// lives as long as this (so that taking a chunk costs no reference counting).
final class Chunks {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let size: Int
    private var offset = 0

    init(of corpus: Data, size: Int) {
        bytes = .allocate(capacity: corpus.count)
        _ = bytes.initialize(from: corpus)
        self.size = size
    }

    deinit { bytes.deallocate() }

    /// The next whole chunk, and whether it is the corpus's first (a stream ends where no whole chunk is left).
    func next() -> (chunk: UnsafeBufferPointer<UInt8>, isFirst: Bool) {
        if offset + size > bytes.count { offset = 0 }
        defer { offset += size }
        return (UnsafeBufferPointer(rebasing: bytes[offset..<offset + size]), offset == 0)
    }
}

/// A dry-run stream filter over the corpus, fed one chunk at a time.
final class FilterFeed {
    let workload: Workload
    let configuration: FilterConfiguration
    private let chunks: Chunks
    private var filter: StreamFilter?
    /// Emptied after each chunk, keeping its storage. (Accesses skip the run-time exclusivity check, which would
    /// cost more than some chunks.)
    @exclusivity(unchecked) var output = FilterOutput()

    init(workload: Workload, chunk: Int) {
        self.workload = workload
        chunks = Chunks(of: workload.corpus, size: chunk)
        var configuration = FilterConfiguration()
        configuration.dryRun = true
        self.configuration = configuration
        Self.checkMatches(of: workload, chunk: chunk, configuration: configuration)
    }

    /// Checks, before anything is timed, that a stream fed the corpus's first MiB in these chunks finds
    /// the whole-text scan's matches there (unless a window overflowed or a search hit a limit: then the
    /// category's policy decides, as it may differently from a whole text).
    private static func checkMatches(of workload: Workload, chunk: Int, configuration: FilterConfiguration) {
        let head = [UInt8](workload.corpus.prefix(1 << 20))
        let stream = StreamFilter(rules: workload.rules, configuration: configuration)
        var output = FilterOutput(), events: [FilterEvent] = []
        for start in stride(from: 0, to: head.count, by: chunk) {
            stream.feed(head[start..<min(start + chunk, head.count)], into: &output)
            events += output.events
            output.removeAll()
        }
        stream.finish(into: &output)
        events += output.events
        if let undecided = events.first(where: { $0.type == .overflow || $0.type == .limit }) {
            return print("\(workload.name): the stream's matches are not compared (\(undecided.type) of \(undecided.rule ?? "?"))")
        }
        let streamed = events.filter { $0.type == .match }.map { "\($0.rule!) \($0.start!)..<\($0.end!)" }
        let scanned = workload.rules.scan(bytes: head).matches.map { "\($0.rule) \($0.start)..<\($0.end)" }
        precondition(streamed == scanned, "the stream found \(streamed.count) matches, the whole-text scan \(scanned.count)")
    }

    /// The stream to feed and its next chunk: a new stream at the corpus's first chunk.
    func nextChunk() -> (StreamFilter, UnsafeBufferPointer<UInt8>) {
        let (chunk, isFirst) = chunks.next()
        if isFirst {
            filter?.finish(into: &output)
            output.removeAll()
            filter = StreamFilter(rules: workload.rules, configuration: configuration)
        }
        return (filter!, chunk)
    }
}

/// A Hyperscan stream over the corpus, fed one chunk at a time.
final class HyperscanFeed {
    private let engine: Hyperscan
    private let chunks: Chunks
    private var isOpen = false

    /// `nil` when Hyperscan is missing or fails (``Hyperscan`` says why).
    init?(workload: Workload, chunk: Int, benchmark: Benchmark) {
        guard let engine = Hyperscan(patterns: workload.patternTexts, mode: CHS_STREAM, benchmark: benchmark) else { return nil }
        chunks = Chunks(of: workload.corpus, size: chunk)
        self.engine = engine
    }

    deinit { if isOpen { _ = chs_stream_close(engine.engine) } }

    /// The engine and the next chunk to feed its stream: a new stream at the corpus's first chunk.
    func nextChunk() -> (OpaquePointer, UnsafePointer<CChar>, Int) {
        let (chunk, isFirst) = chunks.next()
        if isFirst {
            if isOpen { _ = chs_stream_close(engine.engine) }
            precondition(chs_stream_open(engine.engine) == 0)
            isOpen = true
        }
        return (engine.engine, UnsafeRawPointer(chunk.baseAddress!).assumingMemoryBound(to: CChar.self), chunk.count)
    }
}

/// A compiled Hyperscan database, or `nil` (with the reason printed once) when Hyperscan is missing.
final class Hyperscan {
    let engine: OpaquePointer
    let rejected: UInt32

    init?(patterns: [String], mode: chs_mode, benchmark: Benchmark) {
        var error = [CChar](repeating: 0, count: 256)
        var rejected: UInt32 = 0
        let pointers = patterns.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let compiled = pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            chs_compile(buffer.baseAddress, UInt32(buffer.count), mode, &rejected, &error, error.count)
        }
        guard let compiled else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var why = [CChar](repeating: 0, count: 256)
            if chs_load(&why, why.count) == 0 {
                print("Skipping \(benchmark.name): \(reason)")
            } else {
                benchmark.error("Hyperscan failed: \(reason)")
            }
            return nil
        }
        if rejected > 0 { print("\(benchmark.name): Hyperscan could not compile \(rejected) of \(patterns.count) patterns; they are left out") }
        engine = compiled
        self.rejected = rejected
    }

    deinit { chs_free(engine) }
}

func megabytesPerSecond(_ bytes: Int, since start: ContinuousClock.Instant) -> Int {
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Int((Double(bytes) / 1e6 / seconds).rounded())
}
