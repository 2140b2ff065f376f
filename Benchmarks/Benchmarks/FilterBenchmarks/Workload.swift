import ContentFilter
import Foundation

/// One benchmark input: a corpus, the rules compiled with and without the prefilter (both without
/// normalisation, as Hyperscan matches the text as it is), and the same patterns as text for Hyperscan.
final class Workload: Sendable {
    let name: String
    let corpus: Data
    let rules: RuleSet
    let baselineRules: RuleSet
    /// Pattern `i` is rule `i`'s PCRE2 pattern.
    let patternTexts: [String]
    /// Whether to run the streaming benchmarks on it.
    let streams: Bool
    /// Whether Hyperscan must find the same set of matching patterns (pattern lists it fully compiles).
    let comparesMatchedRules: Bool
    /// What the prefiltered scan finds in the whole corpus, once it has found exactly the baseline's matches
    /// in the first 2 MiB: every timed scan must find as many; Hyperscan must find the same patterns.
    let expectedMatchCount: Int
    let matchedRuleIDs: Set<String>

    init(name: String, corpus: Data, source: RuleSource, streams: Bool) throws {
        self.name = name
        self.corpus = corpus
        // Without normalisation, which Hyperscan does not do: both must find the same matches.
        rules = try RuleSet(sources: [source], normalization: [])
        baselineRules = try RuleSet(sources: [source], usesPrefilter: false, normalization: [])
        patternTexts = rules.rules.map { RuleSet.combinedPattern(of: $0) }
        self.streams = streams
        if case .patternList = source { comparesMatchedRules = true } else { comparesMatchedRules = false }
        let head = corpus.prefix(2 << 20)
        let reference = baselineRules.rawMatches(inBytes: head)
        precondition(rules.rawMatches(inBytes: head) == reference, "\(name): the prefiltered scan differs from the baseline")
        let found = rules.rawMatches(inBytes: corpus).matches
        expectedMatchCount = found.count
        matchedRuleIDs = Set(found.map(\.rule))
    }

    /// The repository's root, from this file's place in it.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared benchmark data: CONTENTFILTER_BENCH_DATA, else `../shared/bench` beside the checkout.
    static let sharedData: URL? = {
        let candidates = [ProcessInfo.processInfo.environment["CONTENTFILTER_BENCH_DATA"].map { URL(fileURLWithPath: $0) },
                          repository.deletingLastPathComponent().appending(path: "shared/bench")]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.appending(path: "corpus-rare.txt").path) }
    }()

    /// What to load for one workload; loading happens in the benchmark that uses it, once per process.
    struct Spec: Sendable {
        let name: String
        /// A corpus file, or `nil` for the generated corpus of the project's own.
        let corpus: URL?
        let source: RuleSource
        let streams: Bool

        func load() -> Workload {
            cacheLock.lock()
            defer { cacheLock.unlock() }
            if let cached = cache[name] { return cached }
            do {
                let text = try corpus.map { try Data(contentsOf: $0) } ?? ownCorpus()
                let workload = try Workload(name: name, corpus: text, source: source, streams: streams)
                cache[name] = workload
                return workload
            } catch {
                preconditionFailure("\(name): benchmark data did not load: \(error)")
            }
        }
    }

    nonisolated(unsafe) private static var cache: [String: Workload] = [:]
    private static let cacheLock = NSLock()

    static let all: [Spec] = {
        var specs = [Spec(name: "shipped rules, own corpus", corpus: nil, source: .shipped, streams: true)]
        guard let shared = sharedData else {
            print("Shared benchmark data not found: set CONTENTFILTER_BENCH_DATA to add the runs compared with other engines.")
            return specs
        }
        let rare = shared.appending(path: "corpus-rare.txt"), dense = shared.appending(path: "corpus-dense.txt")
        specs.append(Spec(name: "shipped rules, corpus-rare", corpus: rare, source: .shipped, streams: false))
        for count in [100, 1_000, 10_000] {
            let patterns = RuleSource.patternList(shared.appending(path: "patterns-\(count).txt"))
            specs.append(Spec(name: "patterns-\(count), corpus-rare", corpus: rare, source: patterns, streams: count == 1_000))
            specs.append(Spec(name: "patterns-\(count), corpus-dense", corpus: dense, source: patterns, streams: false))
        }
        return specs
    }()

    static var compiledSources: [(name: String, source: RuleSource)] {
        var sources: [(String, RuleSource)] = [("shipped rules", .shipped)]
        if let sharedData { sources.append(("patterns-10000", .patternList(sharedData.appending(path: "patterns-10000.txt")))) }
        return sources
    }

    /// About 4 MiB of the project's own text: the benign answers of the evaluation set in a fixed shuffled
    /// order, with one match example of a shipped rule planted every ~64 KiB.
    static func ownCorpus() throws -> Data {
        var answers: [String] = []
        for name in ["benign-zh.jsonl", "benign-en.jsonl"] {
            let lines = try String(contentsOf: repository.appending(path: "Tests/Evaluation/\(name)"), encoding: .utf8).split(separator: "\n")
            for line in lines {
                if let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let text = row["text"] as? String {
                    answers.append(text)
                }
            }
        }
        let plants = RuleSet.shipped.rules.compactMap { $0.action == .allow ? nil : $0.matchExamples.first?.text }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var corpus = Data()
        var nextPlant = 64 << 10
        while corpus.count < 4 << 20 {
            corpus.append(contentsOf: answers[next(answers.count)].utf8)
            corpus.append(contentsOf: "\n\n".utf8)
            if corpus.count >= nextPlant {
                corpus.append(contentsOf: (plants[next(plants.count)] + "\n\n").utf8)
                nextPlant += 64 << 10
            }
        }
        return corpus
    }
}
