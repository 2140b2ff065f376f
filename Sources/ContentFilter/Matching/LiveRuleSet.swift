public import Logging
internal import Synchronization

/// A rule set that can be replaced while streams run: how a server reloads its rules without a restart.
///
/// A stream takes ``current`` once, when it starts, and keeps that set to its end, so a reload changes
/// only the streams that start after it. A set that fails to load never replaces the live one.
///
/// ```swift
/// let live = try LiveRuleSet(sources: [.directory(rulesURL)])
/// let filter = StreamFilter(rules: live.current)        // one per response, as before
/// // when the rule files change (e.g. on SIGHUP):
/// do { try live.reload() } catch { report(error.problems) }   // the old set stays live
/// ```
public final class LiveRuleSet: Sendable {
    /// Where ``reload()`` reads the rules from.
    public let sources: [RuleSource]
    public let limits: SearchLimits
    public let normalization: Normalization
    private let logger: Logger?
    private let live: Mutex<RuleSet>

    /// Loads the first set; the parameters are ``RuleSet/init(sources:limits:usesPrefilter:normalization:)``'s,
    /// and every reload uses them again.
    ///
    /// - Parameter logger: where each reload is logged (`notice` when a new set goes live, `error` with the
    ///   problems when one is rejected); none by default.
    public init(sources: [RuleSource] = [.shipped], limits: SearchLimits = SearchLimits(), normalization: Normalization = .all,
                logger: Logger? = nil) throws(RuleLoadError) {
        self.sources = sources
        self.limits = limits
        self.normalization = normalization
        self.logger = logger
        live = Mutex(try RuleSet(sources: sources, limits: limits, normalization: normalization))
    }

    /// The set that streams starting now should use.
    public var current: RuleSet { live.withLock { $0 } }

    /// Loads the rules from ``sources`` again and makes them current.
    ///
    /// - Returns: the new set.
    /// - Throws: ``RuleLoadError`` with every problem if the rules do not load; the current set stays live.
    @discardableResult
    public func reload() throws(RuleLoadError) -> RuleSet {
        let previous = current.version
        do {
            let ruleSet = try RuleSet(sources: sources, limits: limits, normalization: normalization)
            replace(with: ruleSet)
            logger?.notice("rules reloaded", metadata: [
                "rule_set": "\(ruleSet.version)", "previous_rule_set": "\(previous)", "rules": "\(ruleSet.rules.count)",
            ])
            return ruleSet
        } catch {
            logger?.error("rules not reloaded: \(error.errors.count) error(s); the previous rules stay live", metadata: [
                "rule_set": "\(previous)", "problems": "\(error.problems.map(\.description).joined(separator: "\n"))",
            ])
            throw error
        }
    }

    /// Makes `ruleSet` current: for a set built another way, e.g. from other sources.
    public func replace(with ruleSet: RuleSet) {
        live.withLock { $0 = ruleSet }
    }
}
