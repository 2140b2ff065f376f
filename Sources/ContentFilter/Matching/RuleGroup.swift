/// The rules of a set that search the same view of the text: those whose normalisation steps that
/// change text (``Normalization/textSteps``) are the same. Most sets have one group; a rule that turns a
/// step off for itself puts it in another, searched in a view of its own.
final class RuleGroup: Sendable {
    /// The steps that make this group's view; none: the text itself.
    let textSteps: Normalization
    /// The group's rules, by rule index in ascending order.
    let rules: [Int]
    /// `nil` when the set was built without one (every rule searched in full).
    let prefilter: RulePrefilter?

    init(textSteps: Normalization, rules: [Int], prefilter: RulePrefilter?) {
        self.textSteps = textSteps
        self.rules = rules
        self.prefilter = prefilter
    }
}
