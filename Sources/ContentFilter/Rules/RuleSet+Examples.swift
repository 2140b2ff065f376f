extension RuleSet {
    /// An example in a rule file that the rule set does not honour.
    public struct ExampleFailure: Sendable, Hashable, CustomStringConvertible {
        public let rule: String
        public let location: SourceLocation
        public let text: String
        /// `true` for a `match` example that was not matched, `false` for a `no_match` example that was.
        public let expectedMatch: Bool
        /// The evasion applied to the example (`text` is the example after it), if any.
        public let evasion: Evasion?

        public var description: String {
            let kind = expectedMatch ? "match example not matched" : "no_match example matched"
            return "\(location): \(rule): \(kind)\(evasion.map { " when \($0.rawValue)" } ?? ""): \(text.debugDescription)"
        }
    }

    /// The outcome of checking every example of every rule.
    public struct ExampleReport: Sendable {
        public let passed: Int
        public let failures: [ExampleFailure]
    }

    /// Checks every rule's examples: a `match` example must be matched by its own rule; a `no_match`
    /// example must not produce a match of its own rule once the whole set, `allow` rules included, is
    /// applied (``scan(_:)``).
    ///
    /// Each example is checked again under every ``Evasion`` that a normalisation step of the rule undoes:
    /// applied to the part a `match` example's match covers, it must still match; applied to a whole
    /// `no_match` example, it must still not match.
    public func checkExamples() -> ExampleReport {
        var passed = 0
        var failures: [ExampleFailure] = []
        let scratch = PCRE2MatchScratch(context: matchContext)
        for (index, rule) in rules.enumerated() {
            let evasions = Evasion.allCases.filter { normalization.subtracting(rule.normalizationOff).contains($0.step) }
            func record(_ matched: Bool, _ text: String, _ example: Rule.Example, expectedMatch: Bool, evasion: Evasion?) {
                if matched == expectedMatch {
                    passed += 1
                } else {
                    failures.append(ExampleFailure(rule: rule.id, location: example.location, text: text, expectedMatch: expectedMatch, evasion: evasion))
                }
            }
            func matchesOwnRule(_ text: String) -> Bool { !matches(ofRule: index, in: text, scratch: scratch).isEmpty }
            /// A rule's own search settles most `no_match` examples; `allow` rules and overlaps need the whole set.
            func takesEffect(_ text: String) -> Bool { matchesOwnRule(text) && scan(text).matches.contains { $0.rule == rule.id } }
            for example in rule.matchExamples {
                let found = matches(ofRule: index, in: example.text, scratch: scratch)
                record(!found.isEmpty, example.text, example, expectedMatch: true, evasion: nil)
                guard let match = found.first else { continue }
                for evasion in evasions {
                    let variant = evasion.apply(to: example.text, in: match.start..<match.end)
                    if variant != example.text { record(matchesOwnRule(variant), variant, example, expectedMatch: true, evasion: evasion) }
                }
            }
            for example in rule.noMatchExamples {
                record(takesEffect(example.text), example.text, example, expectedMatch: false, evasion: nil)
                for evasion in evasions {
                    let variant = evasion.apply(to: example.text)
                    if variant != example.text { record(takesEffect(variant), variant, example, expectedMatch: false, evasion: evasion) }
                }
            }
        }
        return ExampleReport(passed: passed, failures: failures)
    }

    /// The rules as PCRE2 patterns, one per line, in the pattern-file format other engines read: a leading
    /// `(?i)` means caseless, `#` lines name the rule the patterns below belong to.
    public func exportedPatterns() -> String {
        var lines: [String] = []
        for rule in rules {
            lines.append("# \(rule.id) (\(rule.category), \(rule.action), \(rule.language))")
            let patternPrefix = rule.caseless == true ? "(?i)" : ""
            lines += rule.patterns.map { patternPrefix + $0 }
            let wordPrefix = rule.caseless == false ? "" : "(?i)"
            for word in rule.words {
                let literal = Self.escapedLiteral(word)
                lines.append(wordPrefix + (rule.wordBoundary ? "(?<![A-Za-z0-9_])\(literal)(?![A-Za-z0-9_])" : literal))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
