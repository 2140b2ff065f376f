/// What the filter does with a match of a rule.
///
/// Listed from the strongest to the weakest: when matches of different rules overlap, the stronger
/// action wins (see ``MatchResolver``).
public enum FilterAction: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// An exception: matches of other rules that lie inside an `allow` match do not fire.
    case allow
    /// Stop the response: nothing of the match reaches the user, a refusal text replaces the rest.
    case block
    /// Replace the matched span with a mask and go on.
    case redact
    /// Let the text through and add the category's disclaimer once per response.
    case disclaim
    /// Let the text through and report the match for audit.
    case flag

    /// Lower is stronger: `allow` < `block` < `redact` < `disclaim` < `flag`.
    var precedence: Int {
        switch self {
        case .allow: 0
        case .block: 1
        case .redact: 2
        case .disclaim: 3
        case .flag: 4
        }
    }

    public var description: String { rawValue }
}

/// What a stream does when a rule's search cannot be decided within its bounds (the hold-back cap, or a
/// PCRE2 match limit).
public enum OverflowPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Treat the undecided text as a match of the rule: safe, may over-block.
    case failClosed = "fail_closed"
    /// Give up on that possible match and release the text: never over-blocks, may let a match through.
    case failOpen = "fail_open"
}

/// The language of a rule, and of the text the filter injects.
public enum RuleLanguage: String, Sendable, Hashable, Codable, CaseIterable {
    case zh, en, any
}
