import ArgumentParser
import ContentFilter
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure scan speed, per-chunk streaming cost and hold-back on a corpus.",
        discussion: """
            Times a whole-text scan of the corpus (compile time excluded and reported on its own), and with \
            --chunk feeds the corpus to a stream filter in chunks of that many bytes, reporting the cost per \
            chunk and the bytes held back after each chunk. The rules are the shipped set, --rules \
            directories, or --patterns: a plain pattern list (one PCRE2 pattern per line, `#` comments), \
            each pattern a rule of its own. Build with -c release for meaningful figures.

            Examples:
              swift run -c release contentfilter bench --corpus ../shared/bench/corpus-rare.txt --chunk 16
              swift run -c release contentfilter bench --patterns ../shared/bench/patterns-1000.txt \\
                --corpus ../shared/bench/corpus-rare.txt --json
            """
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: ArgumentHelp("Use this pattern list instead of rule files (one PCRE2 pattern per line).", valueName: "file"))
    var patterns: String?

    @Option(help: ArgumentHelp("The text to measure on.", valueName: "file"))
    var corpus: String

    @Flag(help: "Search every rule over the whole text, without the literal prefilter (the baseline).")
    var noPrefilter = false

    @Option(help: ArgumentHelp("Also stream the corpus in chunks of this many bytes.", valueName: "bytes"))
    var chunk: Int?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let chunk, chunk < 1 { throw ValidationError("--chunk must be at least 1") }
        if patterns != nil && !(ruleOptions.directories.isEmpty && ruleOptions.extraDirectories.isEmpty) {
            throw ValidationError("give either --patterns or --rules/--extra-rules, not both")
        }
    }

    private struct Report: Encodable {
        var rules = 0
        var prefilter = true
        /// The normalisation steps the rules match under (`--normalize`).
        var normalization: [String] = []
        /// Rules the prefilter cannot narrow: PCRE2 searches them over every text.
        var residualRules = 0
        var corpusBytes = 0
        var compileSeconds = 0.0
        var scanMBPerSecond = 0.0
        /// Matches that take effect (overlaps between rules resolved).
        var matches = 0
        /// Every rule's own matches, before overlaps are resolved, and how many rules matched at all.
        var rawMatches = 0
        var matchedRules = 0
        var chunkBytes: Int?
        var chunkNanosecondsP50: Double?
        var chunkNanosecondsP99: Double?
        var heldBackMean: Double?
        var heldBackP50: Int?
        var heldBackP99: Int?
        var heldBackMax: Int?
        var streamMatchEvents: Int?
        var idleStreamBytes: Int?
        var peakMemoryMiB = 0.0
    }

    func run() throws {
        let text = try readInput(corpus)
        var report = Report(corpusBytes: text.count)
        let clock = ContinuousClock()
        let sources = patterns.map { [RuleSource.patternList(URL(fileURLWithPath: $0))] } ?? ruleOptions.sources
        let loadStart = clock.now
        let rules = try ruleOptions.load(sources: sources, usesPrefilter: !noPrefilter)
        report.compileSeconds = seconds(loadStart.duration(to: clock.now))
        report.rules = rules.rules.count
        report.prefilter = !noPrefilter
        report.normalization = rules.normalization.names
        report.residualRules = rules.residualRuleCount
        if let chunk {
            // Before the scans: memory they free would be reused by the streams and hide their cost.
            report.idleStreamBytes = idleStreamBytes(rules: rules, sample: text.prefix(chunk))
        }

        var result: ScanResult!
        let scanTime = clock.measure { result = rules.scan(bytes: text) }
        report.scanMBPerSecond = Double(text.count) / 1e6 / seconds(scanTime)
        report.matches = result.matches.count
        let raw = rules.rawMatches(inBytes: text).matches
        report.rawMatches = raw.count
        report.matchedRules = Set(raw.map(\.rule)).count

        if let chunk {
            // Dry run: every chunk is scanned to the end, as a clean response would be.
            var configuration = FilterConfiguration()
            configuration.dryRun = true
            let filter = StreamFilter(rules: rules, configuration: configuration)
            var output = FilterOutput()
            var costs: [Double] = []
            var heldBack: [Int] = []
            var events = 0
            costs.reserveCapacity(text.count / chunk + 1)
            heldBack.reserveCapacity(text.count / chunk + 1)
            // Chunks of an array, as a server holds them (a `Data` slice costs Foundation's bookkeeping per chunk).
            let bytes = [UInt8](text)
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                let piece = bytes[start..<end]
                let cost = clock.measure { filter.feed(piece, into: &output) }
                costs.append(seconds(cost) * 1e9)
                heldBack.append(filter.heldBackByteCount)
                events += output.events.count
                output.removeAll()
                start = end
            }
            filter.finish(into: &output)
            events += output.events.count
            costs.sort()
            let sortedHeldBack = heldBack.sorted()
            report.chunkBytes = chunk
            report.chunkNanosecondsP50 = costs[costs.count / 2]
            report.chunkNanosecondsP99 = costs[costs.count * 99 / 100]
            report.heldBackMean = Double(heldBack.reduce(0, +)) / Double(heldBack.count)
            report.heldBackP50 = sortedHeldBack[sortedHeldBack.count / 2]
            report.heldBackP99 = sortedHeldBack[sortedHeldBack.count * 99 / 100]
            report.heldBackMax = sortedHeldBack.last
            report.streamMatchEvents = events
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        report.peakMemoryMiB = Double(usage.ru_maxrss) / 1024

        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("rules: \(report.rules) (\(report.prefilter ? "\(report.residualRules) without a prefilter literal" : "prefilter off")), "
              + "corpus: \(report.corpusBytes) bytes, compile: \(format(report.compileSeconds * 1000)) ms")
        print("normalisation: \(report.normalization.isEmpty ? "none" : report.normalization.joined(separator: ", "))")
        print("whole text: \(format(report.scanMBPerSecond)) MB/s, \(report.matches) matches "
              + "(\(report.rawMatches) before overlaps are resolved, from \(report.matchedRules) rules)")
        if let chunk = report.chunkBytes {
            print("stream, \(chunk)-byte chunks: \(format(report.chunkNanosecondsP50!)) ns p50, \(format(report.chunkNanosecondsP99!)) ns p99 per chunk; "
                  + "\(report.streamMatchEvents!) match events")
            print("held back: mean \(format(report.heldBackMean!)), p50 \(report.heldBackP50!), p99 \(report.heldBackP99!), max \(report.heldBackMax!) bytes")
            print("memory per idle stream: \(report.idleStreamBytes!) bytes")
        }
        print("peak memory: \(format(report.peakMemoryMiB)) MiB")
    }

    /// Resident memory per stream that has been fed one chunk and waits for the next, measured over
    /// 10,000 such streams.
    private func idleStreamBytes(rules: RuleSet, sample: Data) -> Int {
        let count = 10_000
        let before = residentBytes()
        var output = FilterOutput()
        let streams = (0..<count).map { _ in
            let filter = StreamFilter(rules: rules)
            filter.feed(sample, into: &output)
            output.removeAll()
            return filter
        }
        let after = residentBytes()
        return withExtendedLifetime(streams) { (after - before) / count }
    }

    /// The process's resident memory now, from /proc/self/statm.
    private func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
