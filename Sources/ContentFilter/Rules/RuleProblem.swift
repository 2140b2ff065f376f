/// Something wrong (or risky) in a rule file, with where it is and how to fix it.
///
/// Printed as `file:line: rule-id: message (hint: …)`.
public struct RuleProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// The rule set cannot be used until this is fixed.
        case error
        /// The rule set loads, but the rule is likely to misbehave.
        case warning
    }

    public let severity: Severity
    public let location: SourceLocation
    /// The rule the problem belongs to, when it is known.
    public let ruleID: String?
    public let message: String
    /// How to fix it.
    public let hint: String?

    public init(_ severity: Severity, at location: SourceLocation, rule ruleID: String?, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.ruleID = ruleID
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(location): "
        if let ruleID { text += "\(ruleID): " }
        if severity == .warning { text += "warning: " }
        text += message
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}

/// A rule set that could not be loaded: every problem found, not only the first.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    /// All problems found, errors and warnings, in file and line order.
    public let problems: [RuleProblem]

    public var errors: [RuleProblem] { problems.filter { $0.severity == .error } }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
