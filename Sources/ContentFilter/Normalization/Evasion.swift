/// A spelling that people use to get text past a filter, which a ``Normalization`` step undoes: `rules
/// test` and `eval` apply each to the matched part of their examples and check the rules still match.
public enum Evasion: String, CaseIterable, Sendable {
    /// Spaces between Chinese characters (`赌 博`), and between the letters of the longest word (`s e x`).
    case spaced
    /// Full-width letters and digits (`ｓｅｘ`).
    case fullWidth = "full-width"
    /// A zero-width space between every two characters.
    case zeroWidth = "zero-width"
    /// Traditional Chinese characters (`賭博`).
    case traditional
    /// Letters in alternating case (`SeX`).
    case mixedCase = "mixed-case"
    /// Latin letters replaced by Cyrillic and Greek look-alikes (`ѕех`).
    case lookAlikes = "look-alikes"
    /// Leetspeak digits for the inner letters of the longest word (`s3x`).
    case leet

    /// The normalisation step that undoes this evasion.
    public var step: Normalization {
        switch self {
        case .spaced: .noise
        case .fullWidth: .width
        case .zeroWidth: .invisible
        case .traditional: .traditional
        case .mixedCase: .case
        case .lookAlikes: .lookAlikes
        case .leet: .leet
        }
    }

    /// `text` with this evasion applied to its characters within `range` (UTF-8 offsets on character
    /// boundaries; the whole text by default). The result equals `text` where the evasion does not apply
    /// (full-width in text with no Latin letters).
    public func apply(to text: String, in range: Range<Int>? = nil) -> String {
        let utf8 = Array(text.utf8)
        let range = range ?? 0..<utf8.count
        let before = Array(String(decoding: utf8[..<range.lowerBound], as: UTF8.self).unicodeScalars)
        let span = Array(String(decoding: utf8[range], as: UTF8.self).unicodeScalars)
        let after = Array(String(decoding: utf8[range.upperBound...], as: UTF8.self).unicodeScalars)
        let whole: [Unicode.Scalar] = before + span + after
        var result = String.UnicodeScalarView()
        result.append(contentsOf: before)
        result.append(contentsOf: transformed(span, in: whole, from: before.count))
        result.append(contentsOf: after)
        return String(result)
    }

    /// `span` transformed; it lies in `text` from `start` on (a spaced word is chosen knowing its neighbours).
    private func transformed(_ span: [Unicode.Scalar], in text: [Unicode.Scalar], from start: Int) -> [Unicode.Scalar] {
        switch self {
        case .spaced:
            let word = Self.longestWord(in: text, within: start..<(start + span.count))
            var result: [Unicode.Scalar] = []
            for (index, scalar) in span.enumerated() {
                if index > 0 {
                    let isInWord = word.contains(start + index - 1) && word.contains(start + index)
                    let isBetweenHan = Self.isHan(span[index - 1]) && Self.isHan(scalar)
                    if isInWord || isBetweenHan { result.append(" ") }
                }
                result.append(scalar)
            }
            return result
        case .fullWidth:
            return span.map { scalar in
                Self.isASCIILetter(scalar) || Self.isASCIIDigit(scalar) ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
            }
        case .zeroWidth:
            var result: [Unicode.Scalar] = []
            for (index, scalar) in span.enumerated() {
                if index > 0 { result.append("\u{200B}") }
                result.append(scalar)
            }
            return result
        case .traditional:
            return span.map { EvasionTables.shared.traditional[$0] ?? $0 }
        case .mixedCase:
            var letters = 0
            return span.map { scalar in
                guard Self.isASCIILetter(scalar) else { return scalar }
                letters += 1
                let lower: UInt32 = scalar.value | 0x20
                return Unicode.Scalar(letters % 2 == 1 ? lower - 0x20 : lower)!
            }
        case .lookAlikes:
            return span.map { EvasionTables.shared.lookAlike[$0] ?? $0 }
        case .leet:
            let word = Self.longestWord(in: text, within: start..<(start + span.count))
            let digits: [Unicode.Scalar: Unicode.Scalar] = ["o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7"]
            return span.enumerated().map { index, scalar in
                let position = start + index
                let isInner = position > word.lowerBound && position < word.upperBound - 1
                return isInner ? digits[Unicode.Scalar(scalar.value | 0x20)!] ?? scalar : scalar
            }
        }
    }

    /// The positions of the longest word of three or more ASCII letters (no digits) inside `span` that is
    /// not next to a one-letter word: spaced out after `a` or `I`, a word reads as one with it (`a s e x y`
    /// reads `asexy`).
    private static func longestWord(in scalars: [Unicode.Scalar], within span: Range<Int>) -> Range<Int> {
        func isWordCharacter(_ index: Int) -> Bool {
            guard index >= 0 && index < scalars.count else { return false }
            let scalar = scalars[index]
            return isASCIILetter(scalar) || isASCIIDigit(scalar) || scalar == "'" || scalar == "\u{2019}"
        }
        var words: [Range<Int>] = []
        var wordStart = 0
        for index in 0...scalars.count where !isWordCharacter(index) {
            if index > wordStart { words.append(wordStart..<index) }
            wordStart = index + 1
        }
        var best = 0..<0
        for (position, word) in words.enumerated() {
            let isLetters = word.allSatisfy { isASCIILetter(scalars[$0]) }
            let isInSpan = span.contains(word.lowerBound) && word.upperBound <= span.upperBound
            if isLetters && isInSpan && word.count >= 3 && word.count > best.count && !isNextToSingleLetter(position, in: words) {
                best = word
            }
        }
        return best
    }

    /// Whether the word at `position` has a one-letter word one character before or after it.
    private static func isNextToSingleLetter(_ position: Int, in words: [Range<Int>]) -> Bool {
        let word = words[position]
        if position > 0 {
            let previous = words[position - 1]
            if previous.count == 1 && previous.upperBound + 1 == word.lowerBound { return true }
        }
        if position + 1 < words.count {
            let next = words[position + 1]
            if next.count == 1 && word.upperBound + 1 == next.lowerBound { return true }
        }
        return false
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        let lower: UInt32 = scalar.value | 0x20
        return lower >= 0x61 && lower <= 0x7A
    }

    private static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }

    private static func isHan(_ scalar: Unicode.Scalar) -> Bool { CharacterFolding.shared.kind(of: scalar.value) == .han }
}

/// The folding tables read backwards, to make evasions: a traditional form of each simplified character,
/// and a Cyrillic (else Greek, else other) look-alike of each ASCII letter that has one.
private final class EvasionTables: Sendable {
    static let shared = EvasionTables()

    let traditional: [Unicode.Scalar: Unicode.Scalar]
    let lookAlike: [Unicode.Scalar: Unicode.Scalar]

    private init() {
        var traditional: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (source, target) in FoldingTables.pairs(FoldingTables.traditionalToSimplified) where traditional[target] == nil {
            traditional[target] = source
        }
        self.traditional = traditional
        func rank(_ scalar: Unicode.Scalar) -> Int {
            let cyrillic: ClosedRange<UInt32> = 0x400...0x4FF
            let greek: ClosedRange<UInt32> = 0x370...0x3FF
            if cyrillic.contains(scalar.value) { return 0 }
            return greek.contains(scalar.value) ? 1 : 2
        }
        var lookAlike: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (source, target) in FoldingTables.pairs(FoldingTables.latinLookAlikes) {
            if let current = lookAlike[target], rank(current) <= rank(source) { continue }
            lookAlike[target] = source
        }
        self.lookAlike = lookAlike
    }
}
