public import Logging

extension Logger {
    /// Logs a filter event with its fields as metadata (`event`, `rule`, `category`, `action`, `start`,
    /// `end`, `held_back`, `policy`, and `text` only when the event carries it), plus `rule_set`: the
    /// version of the rules that made it.
    ///
    /// Levels: `debug` for `allow` matches, `info` for other matches and invalid UTF-8, `notice` for blocks,
    /// `warning` for overflows, limits and dropped records.
    public func log(_ event: FilterEvent, ruleSetVersion: String) {
        var metadata: Metadata = ["event": "\(event.type.rawValue)", "rule_set": "\(ruleSetVersion)"]
        if let rule = event.rule { metadata["rule"] = "\(rule)" }
        if let category = event.category { metadata["category"] = "\(category)" }
        if let action = event.action { metadata["action"] = "\(action.rawValue)" }
        if let start = event.start { metadata["start"] = "\(start)" }
        if let end = event.end { metadata["end"] = "\(end)" }
        if let heldBack = event.heldBack { metadata["held_back"] = "\(heldBack)" }
        if let policy = event.policy { metadata["policy"] = "\(policy.rawValue)" }
        if let text = event.text { metadata["text"] = "\(text)" }
        log(level: event.logLevel, "content filter \(event.type.rawValue)", metadata: metadata)
    }
}

extension FilterEvent {
    /// How loudly the event is logged.
    var logLevel: Logger.Level {
        switch type {
        case .match: action == .allow ? .debug : action == .block ? .notice : .info
        case .blocked: .notice
        case .invalidUTF8: .info
        case .overflow, .limit, .invalidRecord: .warning
        }
    }
}
