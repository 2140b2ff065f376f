
/// A compiled, immutable set of policy rules: load once, share between any number of streams and threads.
///
/// Every rule becomes one JIT-compiled PCRE2 pattern (its patterns and words joined as alternatives; in
/// parts if PCRE2 finds it too large), run in UTF mode under ``SearchLimits``.
///
/// Usage:
/// ```swift
/// let rules = RuleSet.shipped                       // the rules in the package's Rules/ directory
/// let custom = try RuleSet(sources: [.directory(URL(fileURLWithPath: "my-rules"))])
/// for match in rules.scan("…").matches { print(match.rule, match.range) }
/// ```
public final class RuleSet: Sendable {
    /// The rules, in file and line order.
    public let rules: [Rule]
    /// Problems that do not stop the set from loading (risky patterns, missing examples).
    public let warnings: [RuleProblem]
    /// The limits every search runs under.
    public let limits: SearchLimits
    /// The normalisation steps of the set; a rule may turn some off for itself (``Rule/normalizationOff``).
    public let normalization: Normalization
    /// The set's version: a hash of the names and contents of its rule and word files (16 hex digits), the
    /// same wherever the files lie. Logs carry it, so that an event can be traced to the rules that made it.
    public let version: String

    let patterns: [PCRE2Pattern]
    /// Each rule's check-digit verifier, by rule index (read per match, apart from the large `Rule`).
    let verifiers: [MatchVerifier?]
    /// The rules by the view of the text they search, each group with its own prefilter.
    let groups: [RuleGroup]
    let matchContext: PCRE2MatchContext
    /// The longest lookbehind of any rule, in bytes: how much already released text a stream keeps as context.
    let maximumLookbehindBytes: Int
    private let ruleIndexByID: [String: Int]
    /// Each rule's category as its position in ``PolicyCategory/all``, by rule index: cheap to compare.
    let categoryNumbers: [Int]
    /// Each rule's own action, by rule index (shared by every stream that does not change actions).
    let actions: [FilterAction]
    /// By rule index: the index of its group in ``groups``.
    let groupOfRule: [Int]

    /// Loads and compiles rule files.
    ///
    /// - Parameters:
    ///   - sources: where to read rules from; the default is the shipped set.
    ///   - limits: the PCRE2 limits for every search.
    ///   - usesPrefilter: search only the rules whose required literals occur, and only around them (the
    ///     default). `false` runs every rule's pattern over the whole text: the same matches, slower; a
    ///     baseline for benchmarks and tests.
    ///   - normalization: the steps that fold evasive spellings before matching (all by default).
    /// - Throws: ``RuleLoadError`` with every problem found (errors and warnings) if any is an error.
    public init(sources: [RuleSource] = [.shipped], limits: SearchLimits = SearchLimits(), usesPrefilter: Bool = true,
                normalization: Normalization = .all) throws(RuleLoadError) {
        var parser = RuleParser()
        for source in sources { parser.parse(source) }
        var problems = parser.problems.sorted { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) }
        guard !problems.contains(where: { $0.severity == .error }) else {
            throw RuleLoadError(problems: problems)
        }
        let stepsOfRule = parser.rules.map { normalization.subtracting($0.normalizationOff) }
        let alternativesOfRule = parser.rules.indices.map { Self.patternAlternatives(of: parser.rules[$0], normalizedBy: stepsOfRule[$0]) }
        let combinedPatterns = alternativesOfRule.map(PCRE2Pattern.alternation(of:))
        // With case folding, a rule that does not say otherwise matches caselessly.
        let caseless = parser.rules.indices.map { parser.rules[$0].caseless ?? stepsOfRule[$0].contains(.case) }
        var compiled: [PCRE2Pattern] = []
        for (index, (rule, alternatives)) in zip(parser.rules, alternativesOfRule).enumerated() {
            do {
                compiled.append(try PCRE2Pattern(alternatives: alternatives, options: PCRE2CompileOptions(caseless: caseless[index], ucp: rule.ucp)))
            } catch {
                problems.append(RuleProblem(.error, at: rule.location, rule: rule.id, "the rule's patterns cannot be combined: \(error.error.message)",
                                            hint: "a pattern may use a construct that only works at the very start, such as `(*UTF)`"))
            }
        }
        guard compiled.count == parser.rules.count else { throw RuleLoadError(problems: problems) }
        rules = parser.rules
        warnings = problems
        self.limits = limits
        patterns = compiled
        verifiers = parser.rules.map(\.verifier)
        // One group per distinct set of text steps, in the order the rules first use them.
        var stepsOfGroup: [Normalization] = []
        for steps in stepsOfRule.map(\.textSteps) where !stepsOfGroup.contains(steps) { stepsOfGroup.append(steps) }
        let groupOfRule = stepsOfRule.map { stepsOfGroup.firstIndex(of: $0.textSteps)! }
        self.groupOfRule = groupOfRule
        groups = stepsOfGroup.indices.map { group in
            let prefilter = usesPrefilter ? RulePrefilter(patterns: parser.rules.indices.map { index in
                groupOfRule[index] != group ? nil : (combinedPatterns[index], alternativesOfRule[index], caseless[index], parser.rules[index].ucp,
                                                     parser.rules[index].verifier != nil)
            }) : nil
            return RuleGroup(textSteps: stepsOfGroup[group], rules: groupOfRule.indices.filter { groupOfRule[$0] == group }, prefilter: prefilter)
        }
        matchContext = PCRE2MatchContext(limits: limits)
        // Lookbehind is counted in characters; a UTF-8 character is at most 4 bytes. `\b` needs one.
        maximumLookbehindBytes = 4 * max(1, compiled.map(\.maximumLookbehind).max() ?? 0)
        ruleIndexByID = Dictionary(uniqueKeysWithValues: parser.rules.enumerated().map { ($1.id, $0) })
        categoryNumbers = parser.rules.map { rule in PolicyCategory.all.firstIndex { $0.id == rule.category } ?? -1 }
        actions = parser.rules.map(\.action)
        self.normalization = normalization
        version = parser.contentHash.hex
    }

    /// The rules shipped with the library, embedded at build time from the package's `Rules/` directory.
    ///
    /// The shipped rules are checked by the package's tests, so loading them cannot fail in a released build.
    public static let shipped: RuleSet = {
        do {
            return try RuleSet(sources: [.shipped])
        } catch {
            preconditionFailure("the shipped rules do not load; this is a build defect:\n\(error)")
        }
    }()

    /// How many rules the literal prefilter cannot narrow (PCRE2 searches them over every text); all of
    /// them when the set was built without the prefilter.
    public var residualRuleCount: Int {
        groups.reduce(0) { count, group in count + (group.prefilter?.plans.filter { $0 == .residual }.count ?? group.rules.count) }
    }

    /// The rule with this id.
    public func rule(withID id: String) -> Rule? { ruleIndexByID[id].map { rules[$0] } }

    /// The one PCRE2 pattern a rule compiles to: its patterns, then its words, as alternatives. Words are
    /// written in the normalised form `steps` give them, as the text they are matched in is, and so are the
    /// characters of patterns that a step replaces one by one (`賭` reads `赌`, `ｓ` reads `s`).
    public static func combinedPattern(of rule: Rule, normalizedBy steps: Normalization = []) -> String {
        PCRE2Pattern.alternation(of: patternAlternatives(of: rule, normalizedBy: steps))
    }

    /// The most bytes of words in one alternative of a combined pattern: a long word list becomes several
    /// alternatives, so that PCRE2 can compile it in parts (see ``PCRE2Pattern``).
    static let wordBytesPerAlternative = 8_192

    /// The alternatives of ``combinedPattern(of:normalizedBy:)``.
    static func patternAlternatives(of rule: Rule, normalizedBy steps: Normalization = []) -> [String] {
        var alternatives = rule.patterns.map { CharacterFolding.shared.foldingCharacters(ofPattern: $0, steps: steps) }
        if !rule.words.isEmpty {
            // Longest first, so that at one start the longest word wins, as a keyword filter would.
            let words = Array(Set(rule.words.map { TextNormalizer.normalize($0, steps: steps) })).sorted { ($0.utf8.count, $1) > ($1.utf8.count, $0) }
            // `(?<!x)(?:a|b)(?!y)` matches as `(?<!x)(?:a)(?!y)|(?<!x)(?:b)(?!y)` does: the words can be split.
            for run in runs(of: words.map(escapedLiteral), bytesEach: wordBytesPerAlternative) {
                var group = run.joined(separator: "|")
                group = rule.caseless == nil ? "(?i:\(group))" : "(?:\(group))"
                if rule.wordBoundary { group = "(?<![A-Za-z0-9_])\(group)(?![A-Za-z0-9_])" }
                alternatives.append(group)
            }
            // Pinyin and mixed spellings, and listed homophones: caseless, and never inside a Latin word.
            let variants = rule.words.flatMap { word in
                WordVariant.patterns(for: word, kinds: rule.wordVariants)
                    + (rule.homophones[word] ?? []).map { escapedLiteral(TextNormalizer.normalize($0, steps: steps)) }
            }
            if !variants.isEmpty {
                let ordered = Array(Set(variants)).sorted { ($0.utf8.count, $1) > ($1.utf8.count, $0) }
                alternatives.append("(?<![A-Za-z0-9_])(?i:\(ordered.joined(separator: "|")))(?![A-Za-z0-9_])")
            }
        }
        return alternatives
    }

    /// `items` in consecutive runs of at most `bytesEach` UTF-8 bytes (at least one item each).
    private static func runs(of items: [String], bytesEach: Int) -> [ArraySlice<String>] {
        var runs: [ArraySlice<String>] = []
        var start = 0, bytes = 0
        for (index, item) in items.enumerated() {
            if index > start && bytes + item.utf8.count > bytesEach {
                runs.append(items[start..<index])
                (start, bytes) = (index, 0)
            }
            bytes += item.utf8.count
        }
        runs.append(items[start...])
        return runs
    }

    /// `literal` with every ASCII character that is not a letter or digit escaped, so PCRE2 reads it literally.
    static func escapedLiteral(_ literal: String) -> String {
        var escaped = ""
        for scalar in literal.unicodeScalars {
            let isLetterOrDigit = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            if scalar.isASCII && scalar != " " && !isLetterOrDigit { escaped += "\\" }
            escaped.unicodeScalars.append(scalar)
        }
        return escaped
    }
}
