/// Something the filter did or noticed, in one JSON-able shape used everywhere: the library, the
/// command's `--events` output and logs.
///
/// Offsets are UTF-8 byte offsets in the original input stream, `end` exclusive.
public struct FilterEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A rule's match took effect (its `action` says how).
        case match
        /// The response was blocked: `start` is the blocking match's start, `end` the end of the stream;
        /// nothing from `start` on was released. Sent once the stream has finished.
        case blocked
        /// A possible match needed more than the hold-back cap; `policy` says what was done.
        case overflow
        /// Invalid UTF-8 was replaced by U+FFFD before scanning.
        case invalidUTF8 = "invalid_utf8"
        /// A search hit a PCRE2 resource limit; `policy` says what was done.
        case limit
        /// A record of a structured stream (an SSE record that is not valid JSON) was dropped unread;
        /// `start` and `end` are its byte span in the input.
        case invalidRecord = "invalid_record"
    }

    public var type: Kind
    public var rule: String?
    public var category: String?
    public var action: FilterAction?
    public var start: Int?
    public var end: Int?
    /// Bytes of input held back (received but not yet released) when the event happened.
    public var heldBack: Int?
    /// For `overflow` and `limit`: fail closed (treated as a match) or fail open (released).
    public var policy: OverflowPolicy?
    /// The matched text, only when ``FilterConfiguration/eventsIncludeText`` is set.
    public var text: String?

    public init(
        type: Kind, rule: String? = nil, category: String? = nil, action: FilterAction? = nil, start: Int? = nil, end: Int? = nil,
        heldBack: Int? = nil, policy: OverflowPolicy? = nil, text: String? = nil
    ) {
        self.type = type
        self.rule = rule
        self.category = category
        self.action = action
        self.start = start
        self.end = end
        self.heldBack = heldBack
        self.policy = policy
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case type, rule, category, action, start, end, policy, text
        case heldBack = "held_back"
    }
}
