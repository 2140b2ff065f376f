/// A match of one rule in a text.
public struct RuleMatch: Sendable, Hashable, Codable {
    /// The rule's id.
    public let rule: String
    public let category: String
    public let action: FilterAction
    /// UTF-8 byte offsets in the text as given (`end` exclusive).
    public let start: Int
    public let end: Int
    /// The matched text (invalid UTF-8 in byte input shows as U+FFFD).
    public let text: String
}

/// A match inside the engine: which rule, and where in the scanned (valid UTF-8) buffer.
struct RawMatch: Hashable {
    let ruleIndex: Int
    let start: Int
    let end: Int

    func shifted(by distance: Int) -> RawMatch { RawMatch(ruleIndex: ruleIndex, start: start + distance, end: end + distance) }
}

/// A search that stopped on a PCRE2 error (normally a resource limit) instead of finishing.
public struct SearchFailure: Error, Sendable, Hashable {
    /// The rule's id.
    public let rule: String
    /// Byte offset where the failed search started.
    public let offset: Int
    public let error: PCRE2Error
}

/// What a whole-text scan found.
public struct ScanResult: Sendable, Hashable {
    /// Matches in text order (by start, then by rule order).
    public let matches: [RuleMatch]
    /// Searches that hit a PCRE2 limit: the text after `offset` was not fully searched for that rule.
    public let failures: [SearchFailure]
}
