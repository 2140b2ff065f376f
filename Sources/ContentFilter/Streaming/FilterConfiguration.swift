/// How a ``StreamFilter`` treats one response: injected text, hold-back cap, overflow policies.
public struct FilterConfiguration: Sendable, Hashable {
    /// Which language injected text is in.
    public enum LanguageSetting: String, Sendable, Hashable, Codable, CaseIterable {
        case zh, en
        /// Decided from the response's first ``FilterConfiguration/languageWindow`` characters (or the
        /// whole response if shorter), so the decision is the same however the response is cut.
        case auto
    }

    /// Where the AI disclosure goes.
    public enum DisclosurePosition: String, Sendable, Hashable, Codable, CaseIterable {
        case start, end
    }

    public var language: LanguageSetting = .auto
    /// The language `auto` picks for a response with no letters in its window.
    public var fallbackLanguage: ResponseLanguage = .en
    /// How many characters `auto` looks at; they are held back until decided.
    public static let languageWindow = 32
    /// Where the AI disclosure goes, or `nil` for none.
    public var disclosurePosition: DisclosurePosition? = .start
    /// The simulated person's name: adds the policy's label for simulated people at the start.
    public var persona: String?
    /// The most bytes a stream holds back waiting to decide whether they are part of a match.
    public var maximumHoldBack = 256
    /// Action by category id, replacing the action of every rule of the category except `allow` rules:
    /// e.g. `["gambling": .flag]` to watch a category before enforcing it.
    public var categoryActions: [String: FilterAction] = [:]
    /// Overflow policy by category id; categories not listed use ``PolicyCategory/defaultOverflowPolicy``. An
    /// `allow` rule's possible match always fails open: an exception is never made up.
    public var overflowPolicies: [String: OverflowPolicy] = [:]
    /// Report every event but change and inject nothing: how a rule set is tried before it is enforced.
    public var dryRun = false
    /// Put the matched text into `match` events (off by default: logs should not carry what was filtered).
    public var eventsIncludeText = false
    public var texts = PolicyTexts.standard

    public init() {}

    /// The action a match of `rule` takes under this configuration.
    public func action(for rule: Rule) -> FilterAction {
        rule.action == .allow ? .allow : categoryActions[rule.category] ?? rule.action
    }

    /// The overflow policy for a category.
    public func overflowPolicy(for category: String) -> OverflowPolicy {
        overflowPolicies[category] ?? PolicyCategory.named(category)?.defaultOverflowPolicy ?? .failOpen
    }
}
