/// Where something was written: a rule file and a line in it (1-based).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One policy rule, as written in a rule file.
public struct Rule: Sendable, Hashable {
    /// A text the rule is about, with the place it was written.
    public struct Example: Sendable, Hashable {
        public let text: String
        public let location: SourceLocation
    }

    /// Unique across a rule set, e.g. `gambling.zh.site-promotion`.
    public let id: String
    /// A category id of the policy (see ``PolicyCategory``).
    public let category: String
    public let action: FilterAction
    public let language: RuleLanguage
    /// One-line description, if the rule file gives one.
    public let description: String?
    /// PCRE2 patterns as written.
    public let patterns: [String]
    /// Literal keywords, inline and from the word file, in file order.
    public let words: [String]
    /// `nil`: the default (words caseless, patterns as written).
    public let caseless: Bool?
    /// ASCII word boundaries around each of ``words``.
    public let wordBoundary: Bool
    /// The spellings of its Chinese words the rule also matches (``WordVariant``).
    public let wordVariants: Set<WordVariant>
    /// Homophones the rule also matches, by word (`博彩: [菠菜]`).
    public let homophones: [String: [String]]
    /// Unicode properties for `\w`, `\b`, `\d`.
    public let ucp: Bool
    /// A check every match must also pass (check digits).
    public let verifier: MatchVerifier?
    /// The normalisation steps this rule turns off for itself (`normalize: {off: […]}`), and why.
    public let normalizationOff: Normalization
    public let normalizationReason: String?
    public let matchExamples: [Example]
    public let noMatchExamples: [Example]
    /// Where the rule starts.
    public let location: SourceLocation
}
