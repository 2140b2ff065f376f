extension RuleSet {
    /// An example in a rule file that the rule set does not honour.
    public struct ExampleFailure: Sendable, Hashable, CustomStringConvertible {
        public let rule: String
        public let location: SourceLocation
        public let text: String
        /// `true` for a `match` example that was not matched, `false` for a `no_match` example that was.
        public let expectedMatch: Bool

        public var description: String {
            expectedMatch
                ? "\(location): \(rule): match example not matched: \(text.debugDescription)"
                : "\(location): \(rule): no_match example matched: \(text.debugDescription)"
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
    public func checkExamples() -> ExampleReport {
        var passed = 0
        var failures: [ExampleFailure] = []
        let scratch = PCRE2MatchScratch(context: matchContext)
        for (index, rule) in rules.enumerated() {
            for example in rule.matchExamples {
                if matches(ofRule: index, in: example.text, scratch: scratch).isEmpty {
                    failures.append(ExampleFailure(rule: rule.id, location: example.location, text: example.text, expectedMatch: true))
                } else {
                    passed += 1
                }
            }
            for example in rule.noMatchExamples {
                if scan(example.text).matches.contains(where: { $0.rule == rule.id }) {
                    failures.append(ExampleFailure(rule: rule.id, location: example.location, text: example.text, expectedMatch: false))
                } else {
                    passed += 1
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
