/// A string of bytes that a match must contain, as the prefilter looks for it.
struct Literal: Hashable, Sendable {
    /// UTF-8 bytes; ASCII letters are lowercased when ``caseless``.
    var bytes: [UInt8]
    /// Compared with ASCII letters folded to lowercase.
    var caseless: Bool

    static let empty = Literal(bytes: [], caseless: false)

    func appending(_ other: Literal) -> Literal {
        let caseless = caseless || other.caseless
        let joined = bytes + other.bytes
        return Literal(bytes: caseless ? joined.map(Literal.fold) : joined, caseless: caseless)
    }

    /// ASCII lowercase; every other byte unchanged.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Whether the literal starts in `text` at `position`, or a proper prefix of it ends `text` there.
    func begins(in text: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        let length = min(bytes.count, text.count - position)
        for offset in 0..<length {
            let byte = text[position + offset]
            if (caseless ? Literal.fold(byte) : byte) != bytes[offset] { return false }
        }
        return true
    }

    /// Whether PCRE2's caseless matching could match this literal with characters outside ASCII: in UTF
    /// mode `k` also matches KELVIN SIGN (U+212A) and `s` LATIN SMALL LETTER LONG S (U+017F).
    var hasNonASCIICaseVariants: Bool {
        caseless && bytes.contains { $0 == UInt8(ascii: "k") || $0 == UInt8(ascii: "s") }
    }
}

/// Literals of which every match of a pattern contains at least one, and how far into the match the
/// literal can start.
struct RequiredLiterals: Hashable, Sendable {
    let literals: [Literal]
    /// By literal: how far before that literal a match that contains it as this set's literal can start.
    let literalLeads: [Span]
    /// How far before the literal a match can start: the widest of ``literalLeads``.
    let lead: Span
    /// What starts every match, when known (for the whole pattern only).
    var leading: LeadingSet?
    /// By alternative of the pattern's top level, what starts its matches, when known and selective (for the
    /// whole pattern only).
    var alternativeLeading: [LeadingSet?] = []
    /// Another required set, no less selective than ``literals``, that can confirm their occurrences:
    /// an occurrence of ``literals`` can start a match only if one of these occurs at or after it (for the
    /// whole pattern only, when ``literals`` start every match).
    var confirming: [Literal]?
    /// With ``confirming``: the most bytes a match can span, when bounded. An occurrence of ``literals`` can
    /// then start a match only if one of the confirming set lies within that many bytes from it.
    var confirmingWithin: Int?

    /// By literal: whether the byte before it in a match that contains it as this set's literal is never an
    /// ASCII word character (`\s+grid`, `\bgrid`), so that an occurrence right after one (`regrid`) is none.
    let literalsAfterNonWord: [Bool]

    /// The most bytes a match can run before the literal starts; `nil` when that depends on the text.
    var maximumLead: Int? { lead.bound }

    /// The shortest literal, in bytes: the prefilter needs at least 3.
    let shortestLength: Int

    init(literals: [Literal], lead: Span, afterNonWord: [Bool]? = nil) {
        self.init(literals: literals, literalLeads: Array(repeating: lead, count: literals.count), afterNonWord: afterNonWord)
    }

    /// - Parameter afterNonWord: ``literalsAfterNonWord``; none by default.
    init(literals: [Literal], literalLeads: [Span], afterNonWord: [Bool]? = nil) {
        self.literals = literals
        self.literalLeads = literalLeads
        literalsAfterNonWord = afterNonWord ?? Array(repeating: false, count: literals.count)
        lead = literalLeads.reduce(.exactly(0)) { $0.merged(with: $1) }
        var shortest = Int.max
        for literal in literals { shortest = min(shortest, literal.bytes.count) }
        shortestLength = literals.isEmpty ? 0 : shortest
    }

    /// How selective the set is: longer literals are rarer; many alternatives cost a little.
    fileprivate var quality: Int { min(shortestLength, 8) * 4 - (literals.count > 8 ? 2 : 0) }

    /// Whether `self` is the better choice for a prefilter. Any set whose literals have at least three bytes
    /// is usable; among those, a set that starts every match (lead 0) lets a stream hold back only a partial
    /// literal at its end, so it wins unless it is much less selective.
    func isBetter(than other: RequiredLiterals) -> Bool {
        func rank(_ set: RequiredLiterals) -> (Int, Int, Int) {
            let usable = set.shortestLength >= 3 ? 1 : 0
            let startsMatch = set.maximumLead == 0 && set.shortestLength >= 3 ? 1 : 0
            return (usable, startsMatch, set.quality * 2 + (set.maximumLead == nil ? 0 : 1))
        }
        return rank(self) > rank(other)
    }

    func sharesNoLiteral(with other: RequiredLiterals) -> Bool { Set(literals).isDisjoint(with: other.literals) }

    /// Whether `self` is more selective than `other`, whatever the lead.
    func isRarer(than other: RequiredLiterals) -> Bool {
        func rank(_ set: RequiredLiterals) -> (Int, Int, Int) {
            (set.shortestLength >= 3 ? 1 : 0, set.quality, set.maximumLead == nil ? 0 : 1)
        }
        return rank(self) > rank(other)
    }
}

/// A bound on how many bytes a piece of a pattern can match: at most ``bytes`` bytes outside ``runs``, and
/// any number of bytes in ``runs``. With no runs the piece is bounded; with every byte it is unbounded.
///
/// `\bto\s+kill` can start 2 bytes plus a run of ASCII spaces before `kill`: in a given text, ``reach(before:in:notBefore:)``
/// tells how far that is.
struct Span: Hashable, Sendable {
    var bytes: Int
    var runs = ByteSet()

    static func exactly(_ bytes: Int) -> Span { Span(bytes: bytes) }
    static let unbounded = Span(bytes: 0, runs: .all)

    /// The bound in bytes, when it does not depend on the text.
    var bound: Int? { runs.isEmpty ? bytes : nil }

    static func + (a: Span, b: Span) -> Span { Span(bytes: a.bytes + b.bytes, runs: a.runs.union(b.runs)) }

    /// A bound for either of two pieces.
    func merged(with other: Span) -> Span { Span(bytes: max(bytes, other.bytes), runs: runs.union(other.runs)) }

    /// How far back from `end` a stretch of `text` this span allows can start: the longest suffix of
    /// `text[floor..<end]` with at most ``bytes`` bytes outside ``runs``.
    func reach(before end: Int, in text: UnsafeBufferPointer<UInt8>, notBefore floor: Int) -> Int {
        guard !runs.isEmpty else { return min(bytes, end - floor) }
        // No more bytes than the span allows outside its runs: all of them.
        guard runs != .all && end - floor > bytes else { return end - floor }
        var position = end, outside = 0
        while position > floor {
            if !runs.contains(text[position - 1]) {
                if outside == bytes { break }
                outside += 1
            }
            position -= 1
        }
        return end - position
    }
}

/// What every non-empty match of a piece of a pattern starts with: one of ``literals``, or a character whose
/// first byte is in ``bytes`` (for pieces that start with a character class rather than known text).
struct LeadingSet: Hashable, Sendable {
    var literals: [Literal] = []
    var bytes = ByteSet()
    /// A `\b` holds where each of the ``literals`` starts: one that begins with an ASCII word character
    /// does not start right after another.
    var literalsStartAtWordBoundary = false
    /// For a literal that is a whole piece of the pattern (`ti` in `\bti[\W_]{0,3}tty`): the first bytes of
    /// what can come right after it in a match. Any byte may follow a literal without an entry.
    var followingBytes: [Literal: ByteSet] = [:]

    /// The most literals a set keeps before it stops being selective: beyond that, their first bytes.
    static let maximumLiteralCount = 256

    /// Whether the set can rule out a start anywhere: it has a literal or leaves a byte out.
    var isSelective: Bool { bytes != .all && (!literals.isEmpty || !bytes.isEmpty) && !literals.contains(where: \.bytes.isEmpty) }

    /// The bytes the literals begin with, in every case they can match in (``ByteSet/withCaseVariants``).
    var literalFirstBytes: ByteSet {
        literals.reduce(ByteSet()) { set, literal in
            let first = ByteSet([literal.bytes[0]])
            return set.union(literal.caseless ? first.withCaseVariants : first)
        }
    }

    /// The first bytes of what the set starts: its ``bytes`` and its literals' first bytes.
    var firstBytes: ByteSet { bytes.union(literalFirstBytes) }

    /// The set without repeated literals, and with their first bytes in place of more than ``maximumLiteralCount`` of them.
    func capped() -> LeadingSet {
        let unique = Array(Set(literals))
        guard unique.count > Self.maximumLiteralCount else {
            return LeadingSet(literals: unique, bytes: bytes, literalsStartAtWordBoundary: literalsStartAtWordBoundary,
                              followingBytes: followingBytes)
        }
        return LeadingSet(bytes: bytes.union(LeadingSet(literals: unique).literalFirstBytes))
    }

    /// Adds the literals and bytes of `other` (not its ``literalsStartAtWordBoundary``). A literal of both
    /// keeps what may follow it in either, so an entry stays only where both sets have one. (Past
    /// ``maximumLiteralCount`` literals none stays: ``capped()`` keeps only their first bytes then.)
    mutating func formUnion(_ other: LeadingSet) {
        if literals.count + other.literals.count > Self.maximumLiteralCount {
            followingBytes = [:]
        } else if !followingBytes.isEmpty || !other.followingBytes.isEmpty {
            let mine = Set(literals), theirs = Set(other.literals)
            var merged: [Literal: ByteSet] = [:]
            for (literal, following) in followingBytes where !theirs.contains(literal) || other.followingBytes[literal] != nil {
                merged[literal] = following.union(other.followingBytes[literal] ?? ByteSet())
            }
            for (literal, following) in other.followingBytes where !mine.contains(literal) {
                merged[literal] = following
            }
            followingBytes = merged
        }
        literals += other.literals
        bytes = bytes.union(other.bytes)
    }
}

extension ByteSet {
    /// The set with the other case of each ASCII letter, and, for `k` and `s`, the bytes of KELVIN SIGN
    /// and LONG S, which PCRE2's caseless matching also takes for them.
    var withCaseVariants: ByteSet {
        var set = self
        for letter in UInt8(ascii: "a")...UInt8(ascii: "z") where contains(letter) || contains(letter & ~0x20) {
            set.insert(letter)
            set.insert(letter & ~0x20)
        }
        if set.contains(UInt8(ascii: "k")) { set = set.union(ByteSet([0xE2, 0x84, 0xAA])) }
        if set.contains(UInt8(ascii: "s")) { set = set.union(ByteSet([0xC5, 0xBF])) }
        return set
    }
}

/// Finds, for a PCRE2 pattern, a set of literals every match must contain (the prefilter's input).
///
/// It reads the subset of PCRE2 syntax that rules use (literals, escapes, classes, groups, lookarounds,
/// quantifiers, alternation, inline `i`, `m`, `s`, `U`, `J`, `n` flags) and gives up (`nil`) on anything
/// else, such as backreferences, recursion, conditionals, `\K`, `(*VERB)`s or extended mode; a rule
/// without required literals is searched by PCRE2 alone.
struct LiteralExtractor {
    /// The required literals of `pattern`, or `nil` if it has none the extractor can prove.
    ///
    /// - Parameter ucp: the pattern compiles with Unicode properties (then `\s` is more than ASCII space).
    static func requiredLiterals(of pattern: String, caseless: Bool, ucp: Bool = false) -> RequiredLiterals? {
        var extractor = LiteralExtractor(scalars: Array(pattern.unicodeScalars), caseless: caseless, ucp: ucp)
        var topLevel: [Fragment] = []
        guard let fragment = extractor.alternation(keeping: &topLevel), extractor.position == extractor.scalars.count,
              var required = fragment.bestChoice.forStreams
        else { return nil }
        required.alternativeLeading = topLevel.map { alternative in
            alternative.leading.flatMap { alternative.minimumLength > 0 && $0.isSelective ? $0 : nil }
        }
        if fragment.minimumLength > 0, let leading = fragment.leading, leading.isSelective {
            required.leading = leading
        }
        // Another required set, even one no rarer, makes an occurrence that lacks it nearby no candidate.
        if required.maximumLead == 0, let other = fragment.bestChoice.rarest(besides: required), other.shortestLength >= 3,
           !required.isRarer(than: other) {
            required.confirming = other.literals
            required.confirmingWithin = fragment.maximumLength
        }
        return required
    }

    /// A pattern that is one literal, optionally caseless (`(?i)`) and between `\b`s: the prefilter's hits
    /// are its matches, with no PCRE2 search.
    struct Keyword: Hashable {
        var literal: Literal
        var boundaryBefore: Bool
        var boundaryAfter: Bool
    }

    /// `pattern` as a ``Keyword``, if it is one: plain characters only (no escapes or metacharacters),
    /// after an optional `(?i)` and `\b`, before an optional `\b`.
    static func keyword(_ pattern: String, caseless: Bool) -> Keyword? {
        var body = Substring(pattern)
        var caseless = caseless
        if body.hasPrefix("(?i)") { caseless = true; body = body.dropFirst(4) }
        let boundaryBefore = body.hasPrefix("\\b")
        if boundaryBefore { body = body.dropFirst(2) }
        let boundaryAfter = body.hasSuffix("\\b")
        if boundaryAfter { body = body.dropLast(2) }
        let metacharacters = Set("\\^$.|?*+()[]{}#")
        guard !body.isEmpty, !body.contains(where: metacharacters.contains),
              !body.unicodeScalars.contains(where: { $0.properties.isWhitespace && $0 != " " }),
              !(caseless && body.unicodeScalars.contains { !$0.isASCII && $0.properties.changesWhenCaseMapped })
        else { return nil }
        let bytes = Array(body.utf8)
        return Keyword(literal: Literal(bytes: caseless ? bytes.map(Literal.fold) : bytes, caseless: caseless),
                       boundaryBefore: boundaryBefore, boundaryAfter: boundaryAfter)
    }

    /// Whether every match of `pattern` starts at a word boundary: after an optional `(?i)`, it begins with `\b`
    /// and has no alternative outside parentheses. A conservative reading of the text: what it does not follow
    /// answers no (`\Q`, `\K`, which moves a match's start, a class within a class, extended mode's comments).
    static func startsAtWordBoundary(_ pattern: String) -> Bool {
        var body = Substring(pattern)
        if body.hasPrefix("(?i)") { body = body.dropFirst(4) }
        guard body.hasPrefix("\\b"), !body.contains("(?#"), !setsExtendedMode(body) else { return false }
        var depth = 0
        var characters = body.unicodeScalars.makeIterator()  // (scalars: a grapheme could join a `|` to a mark)
        while let character = characters.next() {
            switch character {
            case "\\":
                guard let escaped = characters.next(), escaped != "Q", escaped != "K" else { return false }
            case "[":
                // A class: a `]` right after `[` or `[^` is a member; it ends at the next unescaped `]`.
                var member = characters.next()
                if member == "^" { member = characters.next() }
                if member == "]" { member = characters.next() }
                while let current = member, current != "]" {
                    if current == "[" { return false }
                    if current == "\\" { _ = characters.next() }
                    member = characters.next()
                }
            case "(": depth += 1
            case ")": depth -= 1
            case "|" where depth == 0: return false
            default: break
            }
        }
        return true
    }

    /// Whether an inline option setting in `pattern` names `x` (`(?x)`, `(?ix:`, `(?-x)`, ...).
    private static func setsExtendedMode(_ pattern: Substring) -> Bool {
        var rest = pattern[...]
        while let opening = rest.firstRange(of: "(?") {
            let options = rest[opening.upperBound...].prefix { $0.isLetter || $0 == "-" || $0 == "^" }
            if options.contains("x") { return true }
            rest = rest[opening.upperBound...]
        }
        return false
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var caseless: Bool
    private let ucp: Bool

    private init(scalars: [Unicode.Scalar], caseless: Bool, ucp: Bool = false) {
        self.scalars = scalars
        self.caseless = caseless
        self.ucp = ucp
    }

    /// Caps that keep exact sets small.
    fileprivate static let maximumExactCount = 16
    fileprivate static let maximumLiteralBytes = 48

    // MARK: - Grammar

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func consume(_ text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        guard position + wanted.count <= scalars.count, Array(scalars[position..<position + wanted.count]) == wanted else { return false }
        position += wanted.count
        return true
    }

    /// `a|b|…` up to an unmatched `)` or the end. Inline flags last until the end of the enclosing group.
    private mutating func alternation() -> Fragment? {
        var alternatives: [Fragment] = []
        return alternation(keeping: &alternatives)
    }

    /// ``alternation()``, which also gives each alternative's fragment.
    private mutating func alternation(keeping alternatives: inout [Fragment]) -> Fragment? {
        let savedCaseless = caseless
        defer { caseless = savedCaseless }
        while true {
            guard let sequence = sequence() else { return nil }
            alternatives.append(sequence)
            guard current == "|" else { break }
            position += 1
        }
        return Fragment.alternatives(alternatives)
    }

    private mutating func sequence() -> Fragment? {
        var builder = SequenceBuilder()
        while let scalar = current, scalar != "|", scalar != ")" {
            guard var piece = atom() else { return nil }
            guard let quantified = quantifier(applyingTo: &piece) else { return nil }
            builder.append(quantified)
        }
        return builder.fragment
    }

    private mutating func atom() -> Fragment? {
        guard let scalar = current else { return nil }
        position += 1
        switch scalar {
        case "(": return group()
        case "[": return characterClass()
        case ".": return .anyCharacter
        case "^", "$": return .empty
        case "\\": return escape()
        case "*", "+", "?": return nil
        default: return literal(scalar)
        }
    }

    private mutating func group() -> Fragment? {
        if consume("?#") {
            while let scalar = current, scalar != ")" { position += 1 }
            return consume(")") ? .empty : nil
        }
        if consume("?=") || consume("?!") || consume("?<=") || consume("?<!") {
            guard alternation() != nil, consume(")") else { return nil }
            return .empty
        }
        if consume("?:") || consume("?>") { return groupBody() }
        if consume("?<") || consume("?P<") || consume("?'") {
            while let scalar = current, scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar) { position += 1 }
            guard consume(">") || consume("'") else { return nil }
            return groupBody()
        }
        if current == "?" {
            position += 1
            return inlineFlags()
        }
        if current == "*" { return nil }  // (*VERB)
        return groupBody()
    }

    private mutating func groupBody() -> Fragment? {
        guard let inner = alternation(), consume(")") else { return nil }
        return inner
    }

    /// `(?flags)` or `(?flags:…)`, after the `?`.
    private mutating func inlineFlags() -> Fragment? {
        var setting = true
        var newCaseless = caseless
        while let scalar = current {
            position += 1
            switch scalar {
            case "-": setting = false
            case "^": newCaseless = false
            case "i": newCaseless = setting
            case "m", "s", "U", "J", "n": break
            case ")":
                caseless = newCaseless
                return .empty
            case ":":
                let saved = caseless
                caseless = newCaseless
                defer { caseless = saved }
                return groupBody()
            default: return nil  // x, xx, recursion, conditionals, callouts
            }
        }
        return nil
    }

    /// `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` with an optional lazy or possessive suffix.
    private mutating func quantifier(applyingTo piece: inout Fragment) -> Fragment? {
        let minimum: Int, maximum: Int?
        switch current {
        case "?": position += 1; (minimum, maximum) = (0, 1)
        case "*": position += 1; (minimum, maximum) = (0, nil)
        case "+": position += 1; (minimum, maximum) = (1, nil)
        case "{":
            guard let bounds = countedRepeat() else { return piece }
            (minimum, maximum) = bounds
        default: return piece
        }
        if current == "?" || current == "+" { position += 1 }
        return piece.repeated(minimum: minimum, maximum: maximum)
    }

    /// `{n}`, `{n,}` or `{n,m}`; anything else leaves `{` a literal, as PCRE2 10.42 reads it.
    private mutating func countedRepeat() -> (Int, Int?)? {
        let start = position
        position += 1
        func number() -> Int? {
            var value: Int?
            while let scalar = current, ("0"..."9").contains(scalar) {
                // PCRE2 takes no count over 65535: a longer run of digits (a literal `{`) only has to stay above it.
                value = min((value ?? 0) * 10 + Int(scalar.value - 48), 1_000_000)
                position += 1
            }
            return value
        }
        if let minimum = number() {
            if consume("}") { return (minimum, minimum) }
            if consume(",") {
                let maximum = number()
                if consume("}") { return (minimum, maximum) }
            }
        }
        position = start
        return nil
    }

    /// The ASCII characters of `\d`, `\w` and `\s`: all they match without Unicode properties, and, with or
    /// without, what `\D`, `\W` and `\S` never match (the first byte of what those match is any other).
    private static let asciiShorthands: [Unicode.Scalar: ByteSet] = [
        "d": ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9")),
        "w": .asciiWordCharacters,
        "s": ByteSet([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]),
    ]

    /// The first bytes of what the negated shorthand `\D`, `\W` or `\S` matches.
    private static func firstBytes(ofNegatedShorthand scalar: Unicode.Scalar) -> ByteSet {
        asciiShorthands[Unicode.Scalar(UInt8(scalar.value) | 0x20)]!.inverted
    }

    private mutating func escape() -> Fragment? {
        guard let scalar = current else { return nil }
        position += 1
        switch scalar {
        case "s" where !ucp:
            // Without Unicode properties `\s` is the six ASCII spaces; as alternatives it can extend a short
            // leading word (`to\s+`).
            return Fragment.alternatives(["\u{20}", "\t", "\n", "\u{0B}", "\u{0C}", "\r"].map(literal))
        case "d" where !ucp, "w" where !ucp:
            return .oneCharacter(of: Self.asciiShorthands[scalar]!)
        case "D", "W", "S":
            return .oneCharacter(of: .all, firstBytes: Self.firstBytes(ofNegatedShorthand: scalar))
        case "d", "w", "s", "h", "H", "v", "V", "N", "R":
            return .anyCharacter
        case "p", "P":
            if consume("{") {
                while let next = current, next != "}" { position += 1 }
                guard consume("}") else { return nil }
            } else {
                position += 1
            }
            return .anyCharacter
        case "X": return .unboundedCharacters
        case "b": return .wordBoundary
        // `\G` holds where a search starts, which a prefiltered search moves: no literals for such a pattern.
        case "G": return nil
        case "B", "A", "Z", "z", "E": return .empty
        case "Q":
            var builder = SequenceBuilder()
            while position < scalars.count, !consume("\\E") {
                builder.append(literal(scalars[position]))
                position += 1
            }
            return builder.fragment
        case "x": return hexEscape().flatMap(literal)
        case "n": return literal("\n")
        case "t": return literal("\t")
        case "r": return literal("\r")
        case "f": return literal("\u{0C}")
        case "e": return literal("\u{1B}")
        case "a": return literal("\u{07}")
        default:
            // Letters and digits are escapes with meanings the extractor does not model (back references,
            // \K, \c, octal); other characters stand for themselves.
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return nil }
            return literal(scalar)
        }
    }

    private mutating func hexEscape() -> Unicode.Scalar? {
        let escape = PCRE2Syntax.hexEscape(in: scalars, digitsAt: position)
        position = escape.end
        return escape.character
    }

    /// `[...]`, after the `[`: a few plain characters become alternatives, anything wider one character.
    private mutating func characterClass() -> Fragment? {
        let negated = consume("^")
        var members: [Unicode.Scalar] = []
        var isWide = negated
        // Every byte a member can be, while the class stays within ASCII (for how far a run of it can reach).
        var asciiBytes: ByteSet? = negated ? nil : ByteSet()
        // The first bytes of every member's UTF-8 form (a caseless class outside ASCII and CJK: unknown).
        var firstBytes: ByteSet? = negated ? nil : ByteSet()
        func addFirstBytes(_ lower: Unicode.Scalar, _ upper: Unicode.Scalar) {
            guard firstBytes != nil else { return }
            if caseless && upper.value >= 0x80 && !(lower.value >= 0x2E80 && upper.value <= 0x9FFF) && !(lower.value >= 0xAC00 && upper.value <= 0xD7A3) {
                firstBytes = nil
                return
            }
            let range = ByteSet(String(lower).utf8.first!...String(upper).utf8.first!)
            firstBytes = firstBytes!.union(caseless ? range.withCaseVariants : range)
        }
        var first = true
        while let scalar = current {
            if scalar == "]" && !first { break }
            first = false
            position += 1
            var member = scalar
            if scalar == "[" && current == ":" {
                while let next = current, next != "]" { position += 1 }
                guard consume("]") else { return nil }
                isWide = true
                asciiBytes = nil
                firstBytes = nil
                continue
            }
            if scalar == "\\" {
                guard let escaped = current else { return nil }
                position += 1
                switch escaped {
                case "x": guard let value = hexEscape() else { return nil }; member = value
                case "n": member = "\n"
                case "t": member = "\t"
                case "r": member = "\r"
                case "p", "P":
                    if consume("{") { while let next = current, next != "}" { position += 1 }; guard consume("}") else { return nil } } else { position += 1 }
                    isWide = true
                    asciiBytes = nil
                    firstBytes = nil
                    continue
                case "d" where !ucp, "w" where !ucp, "s" where !ucp:
                    isWide = true
                    let set = Self.asciiShorthands[escaped]!
                    asciiBytes = asciiBytes?.union(set)
                    firstBytes = firstBytes?.union(set)
                    continue
                case "D", "W", "S":
                    isWide = true
                    asciiBytes = nil
                    firstBytes = firstBytes?.union(Self.firstBytes(ofNegatedShorthand: escaped))
                    continue
                default:
                    if escaped.properties.isAlphabetic || ("0"..."9").contains(escaped) { isWide = true; asciiBytes = nil; firstBytes = nil; continue }
                    member = escaped
                }
            }
            if current == "-", let upper = peek(1), upper != "]" {
                position += 2
                var upperBound = upper
                if upper == "\\" {
                    guard let escaped = current else { return nil }
                    position += 1
                    if escaped == "x" { guard let value = hexEscape() else { return nil }; upperBound = value } else { upperBound = escaped }
                }
                guard upperBound.value >= member.value else { return nil }
                addFirstBytes(member, upperBound)
                if upperBound.value < 0x80 { asciiBytes = asciiBytes?.union(ByteSet(UInt8(member.value)...UInt8(upperBound.value))) } else { asciiBytes = nil }
                if upperBound.value - member.value >= 8 { isWide = true; continue }
                for value in member.value...upperBound.value { if let scalar = Unicode.Scalar(value) { members.append(scalar) } }
                continue
            }
            members.append(member)
            addFirstBytes(member, member)
            if member.isASCII { asciiBytes?.insert(UInt8(member.value)) } else { asciiBytes = nil }
        }
        guard consume("]") else { return nil }
        guard !isWide, !members.isEmpty, members.count <= 8 else {
            guard let asciiBytes, !asciiBytes.isEmpty else { return .oneCharacter(of: .all, firstBytes: firstBytes ?? .all) }
            return .oneCharacter(of: caseless ? asciiBytes.withCaseVariants : asciiBytes)
        }
        var alternatives: [Fragment] = []
        for member in members { alternatives.append(literal(member)) }
        return Fragment.alternatives(alternatives)
    }

    /// One character as written, under the current caseless setting.
    private func literal(_ scalar: Unicode.Scalar) -> Fragment {
        let bytes = Array(String(scalar).utf8)
        if caseless && !scalar.isASCII && scalar.properties.changesWhenCaseMapped {
            return .anyCharacter  // its other cases may be other bytes
        }
        let isLetter = scalar.isASCII && scalar.properties.isAlphabetic
        let literal = Literal(bytes: caseless && isLetter ? bytes.map(Literal.fold) : bytes, caseless: caseless && isLetter)
        var consumed = ByteSet(bytes)
        if literal.caseless { consumed = consumed.withCaseVariants }
        // Caseless `k` and `s` also match KELVIN SIGN (3 bytes) and LONG S (2 bytes).
        let longest = literal.hasNonASCIICaseVariants ? (literal.bytes == [UInt8(ascii: "k")] ? 3 : 2) : bytes.count
        return Fragment(exact: [literal], required: RequiredChoice(), minimumLength: bytes.count, span: .exactly(longest), consumed: consumed,
                        leading: LeadingSet(literals: [literal]), endsWithNonWord: !ByteSet.asciiWordCharacters.contains(bytes.last!))
    }
}

/// The best required set found in a piece under each way of choosing one.
private struct RequiredChoice {
    /// Best for a prefilter that also serves streams (``RequiredLiterals/isBetter(than:)``).
    var forStreams: RequiredLiterals?
    /// The most selective (``RequiredLiterals/isRarer(than:)``).
    var rarest: RequiredLiterals?
    /// The most selective set found that shares no literal with the ``rarest`` of its time (for alternatives,
    /// the union of theirs): when ``forStreams`` is ``rarest``, a set that can confirm its occurrences.
    var rarestOther: RequiredLiterals?

    mutating func consider(_ candidate: RequiredLiterals) {
        if forStreams.map(candidate.isBetter(than:)) ?? true { forStreams = candidate }
        guard let current = rarest else {
            rarest = candidate
            return
        }
        if candidate.isRarer(than: current) {
            rarest = candidate
            if candidate.sharesNoLiteral(with: current) { rarestOther = current }
        } else if candidate.sharesNoLiteral(with: current), rarestOther.map(candidate.isRarer(than:)) ?? true {
            rarestOther = candidate
        }
    }

    /// The most selective set that shares no literal with `chosen`.
    func rarest(besides chosen: RequiredLiterals) -> RequiredLiterals? {
        [rarest, rarestOther].compactMap { $0 }.first { $0.sharesNoLiteral(with: chosen) }
    }
}

extension RequiredLiterals {
    /// The set for a choice between alternatives: every alternative's literals, each with the largest lead
    /// it has in them; `nil` if an alternative has none.
    fileprivate static func union(_ sets: [RequiredLiterals?]) -> RequiredLiterals? {
        var literals: [Literal] = []
        var leads: [Literal: Span] = [:]
        var afterNonWord: [Literal: Bool] = [:]
        for set in sets {
            guard let set else { return nil }
            for (index, literal) in set.literals.enumerated() {
                let lead = set.literalLeads[index], isAfterNonWord = set.literalsAfterNonWord[index]
                if let known = leads[literal] {
                    leads[literal] = known.merged(with: lead)
                    afterNonWord[literal] = afterNonWord[literal]! && isAfterNonWord
                } else {
                    leads[literal] = lead
                    afterNonWord[literal] = isAfterNonWord
                    literals.append(literal)
                }
            }
        }
        return literals.isEmpty ? nil
            : RequiredLiterals(literals: literals, literalLeads: literals.map { leads[$0]! }, afterNonWord: literals.map { afterNonWord[$0]! })
    }

    /// The set with `span` more before each literal (the pieces of a sequence before the one it is in), where
    /// `edge` holds: a literal that starts the piece follows what comes before it.
    fileprivate func after(_ span: Span, edge: WordEdge) -> RequiredLiterals {
        RequiredLiterals(literals: literals, literalLeads: literalLeads.map { span + $0 }, afterNonWord: literals.indices.map { index in
            literalsAfterNonWord[index] || (literalLeads[index] == .exactly(0) && edge.isAfterNonWord(literals[index]))
        })
    }
}

/// What a sequence of pattern pieces tells about the byte before a point in it (where the next piece starts).
private struct WordEdge {
    /// The byte before is not an ASCII word character, or there is none.
    var nonWord = false
    /// A `\b` holds here: the byte before is not a word character if the next one is.
    var boundary = false

    /// Whether the byte before `literal`, starting here, is not an ASCII word character.
    func isAfterNonWord(_ literal: Literal) -> Bool {
        nonWord || (boundary && literal.bytes.first.map(ByteSet.asciiWordCharacters.contains) == true)
    }

    /// The edge after `piece`, which follows this one.
    func after(_ piece: Fragment) -> WordEdge {
        if piece.isWordBoundary { return WordEdge(nonWord: nonWord, boundary: true) }
        return WordEdge(nonWord: piece.endsWithNonWord(after: nonWord), boundary: piece.endsWithNonWord(after: boundary))
    }
}

/// What the extractor knows about a piece of a pattern.
private struct Fragment {
    /// Every string the piece can match, when there are few.
    var exact: [Literal]?
    /// The best required literals found inside the piece (not counting ``exact``).
    var required: RequiredChoice
    var minimumLength: Int
    /// How many bytes the piece can match.
    var span: Span
    /// Every byte a match of the piece can contain.
    var consumed: ByteSet
    /// What starts every non-empty match of the piece, when known.
    var leading: LeadingSet?
    /// The piece is `\b`.
    var isWordBoundary = false
    /// Every non-empty match of the piece ends with a byte that is not an ASCII word character.
    var endsWithNonWord = false

    /// In bytes; `nil` when unbounded.
    var maximumLength: Int? { span.bound }

    /// Whether the byte before the place after this piece is not an ASCII word character, given whether the one
    /// before the piece is not: a piece that matches empty leaves it as it is; a non-empty match ends with its
    /// last byte.
    func endsWithNonWord(after before: Bool) -> Bool {
        if span == .exactly(0) { return before }  // `^`, `\b`, a lookaround: the same place
        return minimumLength > 0 ? endsWithNonWord : before && endsWithNonWord
    }

    static let empty = Fragment(exact: [.empty], required: RequiredChoice(), minimumLength: 0, span: .exactly(0), consumed: ByteSet(), leading: nil,
                                endsWithNonWord: true)
    static let wordBoundary = Fragment(exact: [.empty], required: RequiredChoice(), minimumLength: 0, span: .exactly(0), consumed: ByteSet(),
                                       leading: nil, isWordBoundary: true, endsWithNonWord: true)
    static let anyCharacter = oneCharacter(of: .all)
    static let unboundedCharacters = Fragment(exact: nil, required: RequiredChoice(), minimumLength: 1, span: .unbounded, consumed: .all, leading: nil)

    /// One character of 1 to 4 bytes, every byte of which is in `bytes` (a single byte when `bytes` is ASCII),
    /// and whose first byte is in `firstBytes` (in `bytes` if not given).
    static func oneCharacter(of bytes: ByteSet, firstBytes: ByteSet? = nil) -> Fragment {
        Fragment(exact: nil, required: RequiredChoice(), minimumLength: 1, span: .exactly(bytes.isASCII ? 1 : 4), consumed: bytes,
                 leading: LeadingSet(bytes: firstBytes ?? bytes), endsWithNonWord: bytes.isDisjoint(with: .asciiWordCharacters))
    }

    /// ``required``, ``exact`` or ``leading`` (sets that start the piece), whichever is better.
    var bestChoice: RequiredChoice {
        var best = required
        if let exact, !exact.contains(where: { $0.bytes.isEmpty }) { best.consider(RequiredLiterals(literals: exact, lead: .exactly(0))) }
        if minimumLength > 0, let leading, leading.bytes.isEmpty, leading.isSelective {
            let edge = WordEdge(boundary: leading.literalsStartAtWordBoundary)
            best.consider(RequiredLiterals(literals: leading.literals, lead: .exactly(0), afterNonWord: leading.literals.map(edge.isAfterNonWord)))
        }
        return best
    }

    static func alternatives(_ fragments: [Fragment]) -> Fragment {
        var exact: [Literal]? = []
        for fragment in fragments {
            if let fragmentExact = fragment.exact, exact != nil { exact! += fragmentExact } else { exact = nil }
        }
        let choices = fragments.map(\.bestChoice)
        if let current = exact {
            let unique = Array(Set(current))
            exact = unique.count <= LiteralExtractor.maximumExactCount ? unique : nil
        }
        var leading: LeadingSet? = LeadingSet(literalsStartAtWordBoundary: true)
        for fragment in fragments where fragment.maximumLength != 0 {
            guard let more = fragment.leading else {
                leading = nil
                break
            }
            leading!.formUnion(more)
            leading!.literalsStartAtWordBoundary = leading!.literalsStartAtWordBoundary && (more.literals.isEmpty || more.literalsStartAtWordBoundary)
        }
        leading = leading?.capped()
        return Fragment(
            exact: exact,
            required: RequiredChoice(forStreams: RequiredLiterals.union(choices.map(\.forStreams)),
                                     rarest: RequiredLiterals.union(choices.map(\.rarest)),
                                     rarestOther: RequiredLiterals.union(choices.map(\.rarestOther))),
            minimumLength: fragments.map(\.minimumLength).min() ?? 0,
            span: fragments.reduce(.exactly(0)) { $0.merged(with: $1.span) },
            consumed: fragments.reduce(ByteSet()) { $0.union($1.consumed) },
            leading: leading,
            endsWithNonWord: fragments.allSatisfy(\.endsWithNonWord))
    }

    /// The piece under a quantifier.
    func repeated(minimum: Int, maximum: Int?) -> Fragment {
        var exact: [Literal]?
        if let single = self.exact, let maximum, maximum <= 3 {
            // Spell out small repeats: x? is {"", x}, x{2} is {xx}.
            var results: [Literal] = []
            var power: [Literal] = [.empty]
            for count in 0...maximum {
                if count >= minimum { results += power }
                power = power.flatMap { prefix in single.map { prefix.appending($0) } }
                if power.count > LiteralExtractor.maximumExactCount { results = []; break }
            }
            exact = results.isEmpty ? nil : Array(Set(results))
        }
        return Fragment(
            exact: exact,
            required: minimum >= 1 ? bestChoice : RequiredChoice(),
            minimumLength: minimumLength * minimum,
            // Unbounded, the piece can run over any of its bytes.
            span: maximum.map { Span(bytes: span.bytes * $0, runs: span.runs) } ?? Span(bytes: 0, runs: consumed.union(span.runs)),
            consumed: consumed,
            leading: maximum == 0 ? nil : leading,
            endsWithNonWord: endsWithNonWord)
    }
}

/// Joins the pieces of a sequence, tracking runs of exactly known text and the best required set.
private struct SequenceBuilder {
    private var exact: [Literal]? = [.empty]
    private var run: [Literal] = [.empty]
    /// How far before the current run a match can start.
    private var runLead = Span.exactly(0)
    /// What is known of the byte before the current run, and before the next piece.
    private var runEdge = WordEdge()
    private var edge = WordEdge()
    /// Every non-empty match of the pieces so far ends with a byte that is not an ASCII word character.
    private var endsWithNonWord = true
    private var best = RequiredChoice()
    private var minimumLength = 0
    /// How many bytes the pieces so far can match.
    private var span = Span.exactly(0)
    private var consumed = ByteSet()
    /// The pieces' leading sets and whether each can match empty, for ``leading``, and whether a `\b` holds where
    /// each starts. Consecutive exactly known pieces are joined into one, so that a leading set is a whole word.
    private var pieces: [(leading: LeadingSet?, canBeEmpty: Bool, isZeroWidth: Bool, exact: [Literal]?, startsAtWordBoundary: Bool)] = []

    mutating func append(_ piece: Fragment) {
        if let pieceExact = piece.exact, let last = pieces.last, let lastExact = last.exact, let joined = Self.join(lastExact, pieceExact) {
            let nonEmpty = joined.filter { !$0.bytes.isEmpty }
            let startsAtWordBoundary = last.startsAtWordBoundary || (last.isZeroWidth && piece.isWordBoundary)
                || (!last.canBeEmpty && last.leading?.literalsStartAtWordBoundary == true)
            pieces[pieces.count - 1] = (LeadingSet(literals: nonEmpty, literalsStartAtWordBoundary: startsAtWordBoundary).capped(),
                                        nonEmpty.count < joined.count, nonEmpty.isEmpty, joined, startsAtWordBoundary)
        } else {
            pieces.append((piece.leading, piece.minimumLength == 0, piece.span == .exactly(0), piece.exact, piece.isWordBoundary))
        }
        let edgeAfter = edge.after(piece)
        if let pieceExact = piece.exact, let joined = Self.join(run, pieceExact) {
            // A `\b` or `^` before the run's first byte tells what is before it.
            if run == [.empty] && pieceExact == [.empty] { runEdge = edgeAfter }
            run = joined
        } else {
            consider(run, lead: runLead, edge: runEdge)
            if let pieceExact = piece.exact {
                run = pieceExact
                runLead = span
                runEdge = edge
            } else {
                for required in [piece.required.forStreams, piece.required.rarest, piece.required.rarestOther].compactMap({ $0 }) {
                    consider(required.after(span, edge: edge))
                }
                run = [.empty]
                runLead = span + piece.span
                runEdge = edgeAfter
            }
        }
        edge = edgeAfter
        endsWithNonWord = piece.endsWithNonWord(after: endsWithNonWord)
        if let current = exact, let pieceExact = piece.exact { exact = Self.join(current, pieceExact) } else { exact = nil }
        minimumLength += piece.minimumLength
        span = span + piece.span
        consumed = consumed.union(piece.consumed)
    }

    var fragment: Fragment {
        var builder = self
        builder.consider(run, lead: runLead, edge: runEdge)
        return Fragment(exact: exact, required: builder.best, minimumLength: minimumLength, span: span, consumed: consumed, leading: leading,
                        endsWithNonWord: endsWithNonWord)
    }

    /// What starts every non-empty match: the leading set of the first piece that cannot be empty, together
    /// with those of every piece before it that can (`(?:how to\s+)?kill` starts with `how` or `kill`).
    private var leading: LeadingSet? {
        guard let plain = leading(from: 0, extendingWords: false, findsFollowingBytes: true) else { return nil }
        // Joined words are rarer, unless there are so many that the set keeps only their first bytes.
        let extended = leading(from: 0, extendingWords: true, findsFollowingBytes: true)
        return extended.flatMap { $0.bytes == plain.bytes ? $0 : nil } ?? plain
    }

    /// How many following literals a leading word that is long enough already is joined with.
    private static let maximumFollowingCount = 6

    /// ``leading`` for the pieces from `first` on. With `extendingWords`, a literal that is a whole, exactly
    /// known piece is joined with the few literals that can follow it, so that `\bto\s+` starts with `to `
    /// (space, tab, …) rather than `to`, too short for the prefilter, and `\bget\s+` with `get ` rather than
    /// `get` (also in `getaway`); with `findsFollowingBytes`, such a literal not joined gets its
    /// ``LeadingSet/followingBytes``.
    private func leading(from first: Int, extendingWords: Bool, findsFollowingBytes: Bool = false) -> LeadingSet? {
        var found = LeadingSet(literalsStartAtWordBoundary: true)
        /// A `\b` among the pieces so far: those before a piece that starts the match matched empty, so it holds there.
        var boundarySeen = false
        for index in pieces.indices.dropFirst(first) {
            let piece = pieces[index]
            boundarySeen = boundarySeen || piece.startsAtWordBoundary
            if piece.isZeroWidth { continue }
            guard let more = piece.leading else { return nil }
            found.literalsStartAtWordBoundary = found.literalsStartAtWordBoundary
                && (more.literals.isEmpty || boundarySeen || more.literalsStartAtWordBoundary)
            // What starts a match of the pieces after this one, for the literals that are this whole piece.
            let next = piece.exact != nil && (extendingWords || findsFollowingBytes) ? leading(from: index + 1, extendingWords: false) : nil
            var starts = LeadingSet(bytes: more.bytes)
            // What may follow the literals added here, where that is known; anything may follow the others.
            var following: [Literal: ByteSet] = [:], unrestricted: [Literal] = []
            for literal in more.literals {
                guard let next, piece.exact?.contains(literal) == true else {
                    starts.literals.append(literal)
                    if let inner = more.followingBytes[literal] { following[literal] = inner } else { unrestricted.append(literal) }
                    continue
                }
                if extendingWords, next.bytes.isEmpty, literal.bytes.count < 3 || next.literals.count <= Self.maximumFollowingCount {
                    let joined = next.literals.map(literal.appending)
                    starts.literals += joined
                    unrestricted += joined
                } else if findsFollowingBytes {
                    starts.literals.append(literal)
                    following[literal] = next.firstBytes
                } else {
                    starts.literals.append(literal)
                    unrestricted.append(literal)
                }
            }
            if !following.isEmpty {
                for literal in unrestricted { following[literal] = nil }
                starts.followingBytes = following
            }
            found.formUnion(starts)
            found = found.capped()
            if !piece.canBeEmpty { return found }
        }
        return nil
    }

    private mutating func consider(_ literals: [Literal], lead: Span, edge: WordEdge) {
        consider(RequiredLiterals(literals: literals, lead: lead, afterNonWord: literals.map(edge.isAfterNonWord)))
    }

    private mutating func consider(_ required: RequiredLiterals) {
        guard !required.literals.isEmpty, !required.literals.contains(where: { $0.bytes.isEmpty }) else { return }
        best.consider(required)
    }

    private static func join(_ prefixes: [Literal], _ suffixes: [Literal]) -> [Literal]? {
        guard prefixes.count * suffixes.count <= LiteralExtractor.maximumExactCount else { return nil }
        var joined: [Literal] = []
        for prefix in prefixes {
            for suffix in suffixes {
                let literal = prefix.appending(suffix)
                guard literal.bytes.count <= LiteralExtractor.maximumLiteralBytes else { return nil }
                joined.append(literal)
            }
        }
        return joined.count == 1 ? joined : Array(Set(joined))
    }

}
