internal import ContentFilter

/// The checks of the ``FuzzTarget/stream`` target: the streaming contract of `DESIGN.md`, on the shipped
/// rules, with the injected texts empty so that what is released can be told from what was let through.
enum StreamOracle {
    /// How many random cuttings of the text run next to the one-chunk reference.
    static let cuttingsPerInput = 2
    /// How many characters the normaliser keeps waiting for what follows them (see the README's Evasions).
    static let normalizerWait = 16

    /// The most bytes a stream may hold back after a chunk: the cap (4 bytes at least), the characters the
    /// normaliser keeps waiting, an incomplete character at either end of the window, and, for `auto`, the
    /// language window until it is full.
    static func holdBackBound(of configuration: FilterConfiguration) -> Int {
        let languageWindow = configuration.language == .auto ? FilterConfiguration.languageWindow : 0
        return max(configuration.maximumHoldBack, 4) + 4 * (normalizerWait + languageWindow) + 2 * 3
    }

    /// A decoded fuzzer input.
    struct Case {
        var configuration: FilterConfiguration
        /// The settings byte 0 chose, for failure messages.
        var settings: [String] = []
        var seed: UInt64
        var text: [UInt8]

        /// Byte 0 sets the configuration, bytes 1 to 8 seed the cuttings, the rest is the text; a shorter
        /// input is all configuration and seed.
        init(_ input: [UInt8]) {
            let flags = input.first ?? 0
            configuration = FilterConfiguration()
            configuration.disclosurePosition = nil
            configuration.texts = PolicyTexts(
                disclosure: .empty, personaLabel: .empty, mask: .empty, refusal: .empty, refusals: [:], disclaimers: [:],
                genericDisclaimer: .empty)
            configuration.maximumHoldBack = [256, 256, 64, 16][Int(flags & 0b11)]
            settings.append("hold-back \(configuration.maximumHoldBack)")
            if flags & 0b100 != 0 {
                configuration.language = .auto
                settings.append("language auto")
            }
            if flags & 0b1000 != 0 {
                for category in PolicyCategory.all { configuration.overflowPolicies[category.id] = .failOpen }
                settings.append("every category fails open")
            }
            if flags & 0b1_0000 != 0 {
                configuration.dryRun = true
                settings.append("dry run")
            }
            if flags & 0b10_0000 != 0 {
                // Blocks end the stream at their match: redacting instead lets every match of a text take effect.
                for category in PolicyCategory.all { configuration.categoryActions[category.id] = .redact }
                settings.append("every category redacts")
            }
            if flags & 0b100_0000 != 0 {
                configuration.eventsIncludeText = true
                settings.append("events include text")
            }
            seed = input.dropFirst().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
            text = Array(input.dropFirst(9))
        }
    }

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let streamCase = Case(input)
        let text = streamCase.text
        let configuration = streamCase.configuration
        func failure(_ message: String) -> FuzzFailure {
            FuzzFailure("""
                \(message)
                configuration: \(streamCase.settings.joined(separator: ", "))
                text: \(String(decoding: text, as: UTF8.self).debugDescription) (\(text.count) bytes)
                """)
        }

        let reference = filterStream([text], rules: .shipped, configuration: configuration)
        if let problem = releaseProblem(of: reference, text: text, configuration: configuration) {
            throw failure("one chunk: \(problem)")
        }
        var generator = SeededGenerator(state: streamCase.seed)
        var cutOutputs: [(chunks: [ArraySlice<UInt8>], output: FilterOutput)] = []
        /// Bytes held back after each chunk of the first cutting, with the prefilter and without it.
        var heldBackTraces: (prefiltered: [Int], plain: [Int], plainOutput: FilterOutput)?
        for cutting in 0..<cuttingsPerInput {
            let chunks = randomCutting(text, using: &generator)
            var mostHeldBack = 0
            var trace: [Int] = []
            let output = filterStream(chunks, rules: .shipped, configuration: configuration) { _, heldBack in
                mostHeldBack = max(mostHeldBack, heldBack)
                trace.append(heldBack)
            }
            if cutting == 0 {
                var plain: [Int] = []
                let plainOutput = filterStream(chunks, rules: .shippedWithoutPrefilter, configuration: configuration) { _, heldBack in
                    plain.append(heldBack)
                }
                heldBackTraces = (trace, plain, plainOutput)
            }
            if let problem = releaseProblem(of: output, text: text, configuration: configuration) {
                throw failure("chunks \(chunks.map(\.count)): \(problem)")
            }
            guard mostHeldBack <= holdBackBound(of: configuration) else {
                throw failure("chunks \(chunks.map(\.count)): held back \(mostHeldBack) bytes, over the \(holdBackBound(of: configuration)) allowed")
            }
            cutOutputs.append((chunks, output))
        }
        // Where a possible match outgrows the cap, or a search hits a limit, the window decides, and the
        // window depends on the cutting: the output is promised only to be safe, not the same.
        let windowDecided = ([reference] + cutOutputs.map(\.output) + [heldBackTraces?.plainOutput].compactMap { $0 }).contains { output in
            output.events.contains { $0.type == .overflow || $0.type == .limit }
        }
        guard !windowDecided else { return }
        // The prefilter may hold back more than PCRE2's partial matching alone, never less: text that could
        // still become a match must wait.
        if let (prefiltered, plain, _) = heldBackTraces,
           let chunk = zip(prefiltered, plain).enumerated().first(where: { $0.element.0 < $0.element.1 })?.offset {
            throw failure("after chunk \(chunk) the prefiltered stream holds back \(prefiltered[chunk]) bytes, PCRE2 alone \(plain[chunk])")
        }
        for (chunks, output) in cutOutputs where output.chunkingInvariantPart != reference.chunkingInvariantPart {
            throw failure("""
                chunks \(chunks.map(\.count)) give another output than one chunk
                one chunk: \(reference.text.debugDescription) \(summary(of: reference.events))
                chunks:    \(output.text.debugDescription) \(summary(of: output.events))
                """)
        }
        // Actions changed by the configuration resolve overlaps differently from the scan.
        if configuration.dryRun && configuration.categoryActions.isEmpty {
            let found = reference.events.filter { $0.type == .match }.map { [$0.rule ?? "", "\($0.start ?? -1)", "\($0.end ?? -1)"] }
            let scanned = RuleSet.shipped.scan(bytes: text)
            let expected = scanned.matches.map { [$0.rule, "\($0.start)", "\($0.end)"] }
            guard !scanned.failures.isEmpty || found == expected else {
                throw failure("the stream's matches \(found) differ from the whole-text scan's \(expected)")
            }
        }
    }

    /// Whether `output` released exactly what its events leave of `text`: the text (invalid sequences as
    /// U+FFFD) without the redacted spans, up to the start of the block if there is one; in a dry run, all
    /// of it. `nil` when it did; else what is wrong.
    static func releaseProblem(of output: FilterOutput, text: [UInt8], configuration: FilterConfiguration) -> String? {
        var removed: [Range<Int>] = []
        for event in output.events where event.type == .match || event.type == .blocked {
            guard let start = event.start, let end = event.end, 0 <= start, start <= end, end <= text.count else {
                return "event \(event) has no span inside the text"
            }
            if configuration.eventsIncludeText && event.type == .match && event.text != String(decoding: text[start..<end], as: UTF8.self) {
                return "event \(event) does not carry the text it covers"
            }
            if !configuration.dryRun && (event.type == .blocked || event.action == .redact) {
                removed.append(start..<(event.type == .blocked ? text.count : end))
            }
        }
        guard !configuration.dryRun || !output.events.contains(where: { $0.type == .blocked }) else {
            return "a dry run blocked the response"
        }
        var expected: [UInt8] = []
        var cursor = 0
        for span in removed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            guard span.lowerBound >= cursor else {
                return "the removed spans overlap: \(removed)"
            }
            if span.lowerBound > cursor { expected += String(decoding: text[cursor..<span.lowerBound], as: UTF8.self).utf8 }
            cursor = span.upperBound
        }
        if cursor < text.count { expected += String(decoding: text[cursor...], as: UTF8.self).utf8 }
        guard output.bytes == expected else {
            let left = String(decoding: expected, as: UTF8.self)
            return "released \(output.text.debugDescription), but the events leave \(left.debugDescription): \(summary(of: output.events))"
        }
        return nil
    }

    /// One line per event: type, rule, action and span.
    static func summary(of events: [FilterEvent]) -> String {
        events.map { event in
            "\n  \(event.type.rawValue) \(event.rule ?? "-") \(event.action.map(\.rawValue) ?? "-") \(event.start ?? -1)..<\(event.end ?? -1)"
                + (event.policy.map { " \($0)" } ?? "") + (event.text.map { " \($0.debugDescription)" } ?? "")
        }.joined()
    }
}

extension LocalizedText {
    /// No text in either language: injecting it adds nothing.
    static let empty = LocalizedText(zh: "", en: "")
}
