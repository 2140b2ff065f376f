/// Heuristic checks for patterns that are slow or hold a stream back for long: reported as warnings by
/// the loader and `contentfilter rules lint`.
///
/// Whatever a pattern does, every search also runs under ``SearchLimits``: these warnings say which rules
/// are likely to hit them.
struct PatternRisk: Equatable {
    let message: String
    let hint: String

    /// The most times counted repeats may repeat one item, nested repeats multiplied: far more than a match in a
    /// chat answer needs, and than a stream holds back (``FilterConfiguration/maximumHoldBack``, 256 bytes by
    /// default).
    static let hugeRepeatCount = 1_000

    static func risks(in pattern: String) -> [PatternRisk] {
        var risks: [PatternRisk] = []
        let structure = PatternStructure(pattern)
        if structure.hasNestedUnboundedRepeat {
            risks.append(PatternRisk(message: "nested unbounded quantifier can backtrack catastrophically",
                                     hint: "make the inner or outer repeat bounded or possessive, e.g. `(?:a+)++` or `a{1,20}`"))
        }
        if let huge = structure.hugestRepeat {
            let repeats = huge.counts.reversed().map { "`\($0)`" }.joined(separator: " inside ")
            let count = huge.counts.count == 1 ? "counted repeat \(repeats) has a count of" : "counted repeats \(repeats) multiply to a count of"
            risks.append(PatternRisk(
                message: "\(count) \(huge.product): a large compiled pattern, long backtracking, and matches longer than a stream holds back",
                hint: "bound the repeat to what a match needs, e.g. `{1,50}`"))
        }
        if structure.hasUnboundedGap {
            risks.append(PatternRisk(message: "unbounded `.*` / `.+` gap holds a stream back until the hold-back cap",
                                     hint: "bound the gap, e.g. `.{0,20}`"))
        }
        if structure.hasSentenceClassWithoutChineseEnds {
            risks.append(PatternRisk(
                message: "a negated class that stops at `.!?` but not at `。` runs on through Chinese sentences (3 bytes a character), and a stream holds back the whole run",
                hint: "stop at Chinese sentence ends too, e.g. `[^.!?\\n。！？]`"))
        }
        if structure.hasSearchStartAnchor {
            risks.append(PatternRisk(message: "`\\A` or `\\G` anchors to where a search starts, which in a stream is not the start of the text",
                                     hint: "use `^` (start of the text or of a line with `(?m)`) or a lookbehind"))
        }
        return risks
    }
}

/// What a pattern's source shows about its risks, read from its groups, character classes, escapes and
/// quantifiers:
///
/// - An **unbounded gap** is `.` repeated without an upper bound (`.*`, `.+`, `.{2,}`).
/// - A **search-start anchor** is `\A` or `\G`.
/// - A **sentence class without Chinese ends** is a negated class that lists `.`, `!` and `?` (the rest of an
///   English sentence) but not `。`, repeated 20 times or more.
/// - A **nested unbounded repeat** is a group repeated without an upper bound (`+`, `*`, `{n,}`), whose body
///   holds a repeat with a varying count (`a+`, `\w*`, `a{1,3}`; star height 2 and its counted kin): the
///   text can be split between the iterations in exponentially many ways, and PCRE2 tries them all before
///   it fails (`(a+)+b` on `aaaa…c`). A possessive repeat (`a++`, `(…)++`) or an atomic group (`(?>…)`) never
///   gives back what it took, so it is not counted.
/// - A **huge repeat** is a counted repeat whose count, multiplied by the counts of the repeats around it,
///   reaches ``PatternRisk/hugeRepeatCount`` (`a{1000,}`, `(?:a{1,40}){1,40}`); an unbounded repeat counts
///   as its minimum.
private struct PatternStructure {
    private(set) var hasUnboundedGap = false
    private(set) var hasSearchStartAnchor = false
    private(set) var hasSentenceClassWithoutChineseEnds = false
    /// How many times a sentence class without Chinese ends may repeat before it is a risk: 20 Chinese characters
    /// are a short sentence, 60 bytes.
    private static let sentenceRun = 20
    private(set) var hasNestedUnboundedRepeat = false
    /// The counted repeats, outermost first, of the largest product that reached the threshold.
    private(set) var hugestRepeat: (counts: [String], product: Int)?

    /// What is known about an item (a character, class, escape or group) once read.
    private struct Item {
        /// It holds a repeat with a varying count that can give back what it took.
        var hasVaryingRepeat = false
        /// The largest product of counted repeats inside it, with the repeats, outermost first.
        var largestRepeat: (counts: [String], product: Int) = ([], 1)
        /// It is a group whose body can backtrack into its iterations (not atomic, not a lookaround).
        var isBacktrackingGroup = false
    }

    /// A group being read: its kind and what its body holds so far.
    private struct Group {
        var isAtomic: Bool
        var body = Item()
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
        var groups = [Group(isAtomic: false)]
        while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            var item = Item()
            var isSentenceClass = false
            switch scalar {
            case "\\":
                hasSearchStartAnchor = hasSearchStartAnchor || peek("A") || peek("G")
                skipEscape()
            case "[":
                isSentenceClass = skipClass()
            case "(":
                if let isAtomic = openGroup() { groups.append(Group(isAtomic: isAtomic)) }
                continue
            case ")" where groups.count > 1:  // an unbalanced `)` is PCRE2's to report
                let group = groups.removeLast()
                item = group.body
                item.hasVaryingRepeat = item.hasVaryingRepeat && !group.isAtomic
                item.isBacktrackingGroup = !group.isAtomic
            default:
                break
            }
            let mostRepeats = applyQuantifier(to: &item)
            hasUnboundedGap = hasUnboundedGap || (scalar == "." && mostRepeats == .max)
            hasSentenceClassWithoutChineseEnds = hasSentenceClassWithoutChineseEnds || (isSentenceClass && mostRepeats >= Self.sentenceRun)
            merge(item, into: &groups[groups.count - 1].body)
        }
    }

    /// After `(`: reads what comes before a group's body. Returns whether the group is atomic (`(?>…)` and the
    /// lookarounds, which never give back what they matched), or `nil` when there is no body to read: a
    /// comment, a verb such as `(*UTF)`, an option setting such as `(?i)`, a reference or recursion.
    private mutating func openGroup() -> Bool? {
        if consume("*") || consume("?#") {
            skip(past: ")")
            return nil
        }
        guard consume("?") else { return false }
        if consume(">") || consume("=") || consume("!") || consume("<=") || consume("<!") { return true }
        if consume("<") || consume("P<") {
            skip(past: ">")
            return false
        }
        if consume("'") {
            skip(past: "'")
            return false
        }
        // Options (`i`, `-i`, `^`), references and recursions (`P=name`, `R`, `1`, `&name`): up to `:` or `)`.
        while position < scalars.count, scalars[position].properties.isAlphabetic || ("0"..."9").contains(scalars[position])
                || "-^&=>+_".unicodeScalars.contains(scalars[position]) {
            position += 1
        }
        return consume(":") ? false : (consume(")") ? nil : false)
    }

    private mutating func skip(past terminator: Unicode.Scalar) {
        while position < scalars.count && scalars[position] != terminator { position += 1 }
        position += 1
    }

    /// Applies the quantifier after an item, if any, and records the risks it makes. Returns the most times the
    /// item may repeat: 1 without a quantifier, `Int.max` without an upper bound.
    private mutating func applyQuantifier(to item: inout Item) -> Int {
        guard let (minimum, maximum, text) = readQuantifier() else { return 1 }
        let possessive = consume("+")
        if !possessive { _ = consume("?") }
        if maximum == nil && !possessive && item.isBacktrackingGroup && item.hasVaryingRepeat {
            hasNestedUnboundedRepeat = true
        }
        // A possessive repeat keeps what it took; else a count that varies is where backtracking comes from.
        item.hasVaryingRepeat = !possessive && (item.hasVaryingRepeat || (maximum != minimum && maximum != 1))
        if text.hasPrefix("{") {
            let count = max(1, maximum ?? minimum)
            let product = count.multipliedReportingOverflow(by: item.largestRepeat.product)
            item.largestRepeat = ([text] + item.largestRepeat.counts, product.overflow ? Int.max : product.partialValue)
            if item.largestRepeat.product >= PatternRisk.hugeRepeatCount && item.largestRepeat.product > hugestRepeat?.product ?? 0 {
                hugestRepeat = item.largestRepeat
            }
        }
        item.isBacktrackingGroup = false
        return maximum ?? .max
    }

    private func merge(_ item: Item, into body: inout Item) {
        body.hasVaryingRepeat = body.hasVaryingRepeat || item.hasVaryingRepeat
        if item.largestRepeat.product > body.largestRepeat.product { body.largestRepeat = item.largestRepeat }
    }

    /// `?`, `*`, `+`, `{n}`, `{n,}` or `{n,m}` (anything else after `{` is a literal, as PCRE2 10.42 reads it):
    /// its bounds and its text.
    private mutating func readQuantifier() -> (minimum: Int, maximum: Int?, text: String)? {
        guard position < scalars.count else { return nil }
        switch scalars[position] {
        case "?": position += 1; return (0, 1, "?")
        case "*": position += 1; return (0, nil, "*")
        case "+": position += 1; return (1, nil, "+")
        case "{":
            let start = position
            position += 1
            if let minimum = readNumber() {
                if consume("}") { return (minimum, minimum, text(from: start)) }
                if consume(",") {
                    let maximum = readNumber()
                    if consume("}") { return (minimum, maximum, text(from: start)) }
                }
            }
            position = start
            return nil
        default: return nil
        }
    }

    private mutating func readNumber() -> Int? {
        var value: Int?
        while position < scalars.count, ("0"..."9").contains(scalars[position]) {
            value = min((value ?? 0) * 10 + Int(scalars[position].value - 48), 1_000_000)
            position += 1
        }
        return value
    }

    /// After `\`: one escaped character, `\Q…\E`, or an escape with braces (`\x{…}`, `\p{…}`, `\g{…}`, …).
    private mutating func skipEscape() {
        guard position < scalars.count else { return }
        let escaped = scalars[position]
        position += 1
        if escaped == "Q" {
            while position < scalars.count && !consume("\\E") { position += 1 }
        } else if "xopPgk".unicodeScalars.contains(escaped) && consume("{") {
            skip(past: "}")
        }
    }

    /// After `[`: up to the `]` that closes the class (a `]` first in the class is a member). Returns whether
    /// it is a sentence class without Chinese ends.
    private mutating func skipClass() -> Bool {
        let isNegated = consume("^")
        // The characters the class lists one by one (escaped ones too; not those of ranges and named classes).
        var members = Set<Unicode.Scalar>()
        var first = true
        while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            if scalar == "]" && !first { break }
            first = false
            if scalar == "\\" {
                if let escaped = escapedCharacter() { members.insert(escaped) }
                skipEscape()
            } else if scalar == "[" && peek(":") {
                while position < scalars.count && !consume(":]") { position += 1 }
            } else {
                members.insert(scalar)
            }
        }
        return isNegated && members.isSuperset(of: [".", "!", "?"]) && !members.contains("。")
    }

    /// After `\\`: the character an escape stands for, when it stands for one (`\\.`, `\\x{3002}`, `\\x2E`).
    private func escapedCharacter() -> Unicode.Scalar? {
        guard position < scalars.count else { return nil }
        let escaped = scalars[position]
        if !escaped.properties.isAlphabetic && !("0"..."9").contains(escaped) { return escaped }
        guard escaped == "x" else { return nil }
        return PCRE2Syntax.hexEscape(in: scalars, digitsAt: position + 1).character
    }

    private func peek(_ text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        return position + wanted.count <= scalars.count && Array(scalars[position..<position + wanted.count]) == wanted
    }

    private mutating func consume(_ text: String) -> Bool {
        guard peek(text) else { return false }
        position += text.unicodeScalars.count
        return true
    }

    private func text(from start: Int) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<position])
        return text
    }
}
