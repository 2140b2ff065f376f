/// A way of writing a Chinese keyword that a rule can ask for (`word_variants:` in its file), beside the
/// homophones it lists itself (`homophones:`).
public enum WordVariant: String, CaseIterable, Sendable, Hashable {
    /// The pinyin, with or without a space, `'` or `-` between syllables: `dubo`, `du bo` for `赌博`.
    case pinyin
    /// The pinyin initials: `db` for `赌博` (two characters or more).
    case initials
    /// Characters and pinyin syllables mixed: `du博`, `赌bo` (words of up to four characters).
    case mixed

    /// PCRE2 alternatives matching the variants of `word` these kinds give; none when a character of it
    /// has no pinyin.
    static func patterns(for word: String, kinds: Set<WordVariant>) -> [String] {
        let characters = Array(word)
        let syllables = characters.compactMap { character in
            character.unicodeScalars.count == 1 ? PinyinTable.shared.syllable(of: character.unicodeScalars.first!) : nil
        }
        guard !characters.isEmpty, syllables.count == characters.count else { return [] }
        var patterns: [String] = []
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

/// The pinyin of Chinese characters, from ``FoldingTables/pinyin``.
final class PinyinTable: Sendable {
    static let shared = PinyinTable()

    private let syllables: [Unicode.Scalar: String]

    private init() {
        var syllables: [Unicode.Scalar: String] = [:]
        var character: Unicode.Scalar?
        var syllable = ""
        for scalar in FoldingTables.pinyin.unicodeScalars where scalar != "\n" {
            if scalar.isASCII {
                syllable.unicodeScalars.append(scalar)
                continue
            }
            if let character { syllables[character] = syllable }
            character = scalar
            syllable = ""
        }
        if let character { syllables[character] = syllable }
        self.syllables = syllables
    }

    /// The toneless pinyin of a character (`ü` written `v`), if the table has it.
    func syllable(of character: Unicode.Scalar) -> String? { syllables[character] }
}
