/// Heuristic checks for patterns that are slow or hold a stream back for long: reported as warnings by
/// the loader and `contentfilter rules lint`.
struct PatternRisk {
    let message: String
    let hint: String

    static func risks(in pattern: String) -> [PatternRisk] {
        var risks: [PatternRisk] = []
        if pattern.contains(nestedQuantifier) {
            risks.append(PatternRisk(message: "nested unbounded quantifier can backtrack catastrophically",
                                     hint: "make the inner or outer repeat bounded or possessive, e.g. `(?:a+)++` or `a{1,20}`"))
        }
        if pattern.contains(unboundedGap) {
            risks.append(PatternRisk(message: "unbounded `.*` / `.+` gap holds a stream back until the hold-back cap",
                                     hint: "bound the gap, e.g. `.{0,20}`"))
        }
        if pattern.contains(textAnchor) {
            risks.append(PatternRisk(message: "`\\A` or `\\G` anchors to where a search starts, which in a stream is not the start of the text",
                                     hint: "use `^` (start of the text or of a line with `(?m)`) or a lookbehind"))
        }
        return risks
    }

    /// A group ending in an unbounded repeat, itself repeated without bound: `(a+)+`, `(?:\w*)*`, `(x+){2,}`.
    nonisolated(unsafe) private static let nestedQuantifier = /\((?:[^()\\]|\\.)*[+*]\)(?:[+*]|\{\d+,\})/
    /// `\A` or `\G` (not preceded by another backslash).
    nonisolated(unsafe) private static let textAnchor = /(?:^|[^\\])\\[AG]/
    /// `.*` or `.+` that is not escaped.
    nonisolated(unsafe) private static let unboundedGap = /(?:^|[^\\])\.[*+]/
}
