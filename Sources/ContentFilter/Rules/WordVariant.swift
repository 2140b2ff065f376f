/// A way of writing a Chinese keyword that a rule can ask for (`word_variants:` in its file), beside the
/// homophones it lists itself (`homophones:`).
public enum WordVariant: String, CaseIterable, Sendable, Hashable {
    /// The pinyin, with or without a space, `'` or `-` between syllables: `dubo`, `du bo` for `赌博`.
    case pinyin
    /// The pinyin initials: `db` for `赌博` (two characters or more).
    case initials
    /// Characters and pinyin syllables mixed: `du博`, `赌bo` (words of up to four characters).
    case mixed
    /// One character, or each, written as the components it splits into: `贝者博` for `赌博` (words of up
    /// to four characters).
    case split

    /// PCRE2 alternatives matching the variants of `word` these kinds give; none when a character of it
    /// has no pinyin.
    static func patterns(for word: String, kinds: Set<WordVariant>) -> [String] {
        let characters = Array(word)
        let scalars = characters.compactMap { $0.unicodeScalars.count == 1 ? $0.unicodeScalars.first! : nil }
        guard !characters.isEmpty, scalars.count == characters.count else { return [] }
        var patterns: [String] = []
        if kinds.contains(.split) && characters.count <= 4 {
            let parts = scalars.map { ChineseCharacterTables.shared.components[$0] }
            var spellings = parts.indices.compactMap { index in
                parts[index].map { components in characters.indices.map { $0 == index ? components : String(characters[$0]) }.joined() }
            }
            if parts.filter({ $0 != nil }).count > 1 {
                spellings.append(characters.indices.map { parts[$0] ?? String(characters[$0]) }.joined())
            }
            patterns += spellings.map(RuleSet.escapedLiteral)
        }
        let syllables = scalars.compactMap { ChineseCharacterTables.shared.pinyin[$0] }
        guard syllables.count == characters.count else { return patterns }
        if kinds.contains(.pinyin) { patterns.append(syllables.joined(separator: "[\\s'-]?")) }
        if kinds.contains(.initials) && syllables.count > 1 { patterns.append(String(syllables.map { $0.first! })) }
        if kinds.contains(.mixed) && (2...4).contains(characters.count) {
            for mask in 1..<(1 << characters.count) - 1 {
                let spelling = characters.indices.map { mask & (1 << $0) != 0 ? syllables[$0] : String(characters[$0]) }.joined()
                patterns.append(RuleSet.escapedLiteral(spelling))
            }
        }
        return patterns
    }
}

/// The pinyin of Chinese characters and the components they split into, from ``FoldingTables``.
final class ChineseCharacterTables: Sendable {
    static let shared = ChineseCharacterTables()

    /// Toneless pinyin (`ü` written `v`).
    let pinyin: [Unicode.Scalar: String]
    /// The components, written one after another.
    let components: [Unicode.Scalar: String]

    private init() {
        var pinyin: [Unicode.Scalar: String] = [:]
        var character: Unicode.Scalar?
        var syllable = ""
        for scalar in FoldingTables.pinyin.unicodeScalars where scalar != "\n" {
            if scalar.isASCII {
                syllable.unicodeScalars.append(scalar)
                continue
            }
            if let character { pinyin[character] = syllable }
            character = scalar
            syllable = ""
        }
        if let character { pinyin[character] = syllable }
        self.pinyin = pinyin
        var components: [Unicode.Scalar: String] = [:]
        for entry in FoldingTables.splits.unicodeScalars.filter({ $0 != "\n" }).split(separator: "|") where entry.count > 1 {
            components[entry.first!] = String(String.UnicodeScalarView(entry.dropFirst()))
        }
        self.components = components
    }
}
