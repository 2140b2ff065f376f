/// Finds every occurrence of a set of literals (at least 3 bytes each) in UTF-8 text in one pass, and tells
/// which literals a text's tail could be the beginning of.
///
/// Each position's next 3 bytes (for literals of 3 to 5 bytes) and next 6 bytes (for longer ones), with
/// ASCII letters folded, are hashed into a bit set; only a set bit leads to a table lookup and a byte
/// comparison. Immutable once built, so one scanner serves every thread.
final class LiteralScanner: @unchecked Sendable {
    /// One occurrence: which literal (index into ``literals``), and the byte offset where it starts.
    struct Hit {
        var literal: Int32
        var position: Int
    }

    /// The literals, as given (at least 3 bytes each).
    let literals: [Literal]
    /// The longest literal, in bytes.
    let maximumLength: Int

    private static let shortKeyBytes = 3, longKeyBytes = 6
    private static let shortBits = 16, longBits = 18
    private let shortFilter: BitSet
    private let longFilter: BitSet
    /// Key → literal indices, for keys whose bit is set.
    private let buckets: [UInt64: [Int32]]
    /// Literal indices sorted by folded bytes: the literals that begin with a given text form a range.
    private let sortedByBytes: [Int32]
    /// Hashes (``TailHash``) of every proper prefix of every literal: a text's tail whose hash is not
    /// here begins no literal.
    private let prefixFilter: BitSet

    init(literals: [Literal]) {
        precondition(literals.allSatisfy { $0.bytes.count >= 3 }, "the scanner needs literals of at least 3 bytes")
        self.literals = literals
        maximumLength = literals.map(\.bytes.count).max() ?? 0
        var shortFilter = BitSet(bits: Self.shortBits), longFilter = BitSet(bits: Self.longBits)
        var buckets: [UInt64: [Int32]] = [:]
        var prefixFilter = BitSet(bits: TailHash.bits)
        for (index, literal) in literals.enumerated() {
            let folded = literal.bytes.map(Literal.fold)
            var prefixHash = TailHash()
            for byte in folded.dropLast() {
                prefixHash.append(byte)
                prefixFilter.insert(prefixHash.bit)
            }
            let isLong = folded.count >= Self.longKeyBytes
            let key = Self.key(folded.prefix(isLong ? Self.longKeyBytes : Self.shortKeyBytes))
            if isLong { longFilter.insert(Self.hash(key, bits: Self.longBits)) } else { shortFilter.insert(Self.hash(key, bits: Self.shortBits)) }
            buckets[key | (isLong ? 1 << 63 : 0), default: []].append(Int32(index))
        }
        self.shortFilter = shortFilter
        self.longFilter = longFilter
        self.buckets = buckets
        self.prefixFilter = prefixFilter
        sortedByBytes = literals.indices.map(Int32.init).sorted { a, b in
            literals[Int(a)].bytes.map(Literal.fold).lexicographicallyPrecedes(literals[Int(b)].bytes.map(Literal.fold))
        }
    }

    /// Appends every occurrence of a literal that starts at or after `start` and ends inside `text` (short
    /// literals and long ones each in order of position).
    ///
    /// - Returns: whether the text holds KELVIN SIGN (U+212A) or LONG S (U+017F), which PCRE2's caseless
    ///   matching equates with `k` and `s` although the scanner's ASCII folding does not.
    func scan(_ text: UnsafeBufferPointer<UInt8>, from start: Int, into hits: inout [Hit]) -> Bool {
        guard let base = text.baseAddress, text.count - start >= 2 else { return false }
        var hasCaseVariants = false
        let count = text.count
        var window: UInt64 = 0
        let shortMask: UInt64 = 0xFF_FFFF, longMask: UInt64 = 0xFFFF_FFFF_FFFF
        shortFilter.words.withUnsafeBufferPointer { shortWords in
            longFilter.words.withUnsafeBufferPointer { longWords in
                for end in start..<count {
                    window = window << 8 | UInt64(Literal.fold(base[end]))
                    if window & 0xFFFF == 0xC5BF || window & 0xFF_FFFF == 0xE2_84AA { hasCaseVariants = true }
                    let filled = end - start + 1
                    if filled >= Self.shortKeyBytes {
                        let key = window & shortMask
                        let bit = Self.hash(key, bits: Self.shortBits)
                        if shortWords[bit >> 6] & (1 << UInt64(bit & 63)) != 0 {
                            verify(key, at: end + 1 - Self.shortKeyBytes, in: text, into: &hits)
                        }
                    }
                    if filled >= Self.longKeyBytes {
                        let key = window & longMask
                        let bit = Self.hash(key, bits: Self.longBits)
                        if longWords[bit >> 6] & (1 << UInt64(bit & 63)) != 0 {
                            verify(key | 1 << 63, at: end + 1 - Self.longKeyBytes, in: text, into: &hits)
                        }
                    }
                }
            }
        }
        return hasCaseVariants
    }

    /// Calls `body` with each position from `start` on (a character boundary) where the rest of `text`
    /// is a proper prefix of a literal (folded), and that literal. For the tail of a stream's window: a match
    /// may begin there once more text comes.
    func literalsContinuing(_ text: UnsafeBufferPointer<UInt8>, from start: Int, _ body: (_ position: Int, _ literal: Int) -> Void) {
        var hash = TailHash()
        var position = text.count - 1
        let first = max(start, text.count - maximumLength + 1)
        while position >= first {
            hash.prepend(Literal.fold(text[position]))
            if text[position] & 0xC0 != 0x80 && prefixFilter.contains(hash.bit) {
                literals(continuing: text, at: position) { body(position, $0) }
            }
            position -= 1
        }
    }

    /// The literals that the text from `position` on is a proper prefix of; `literalsContinuing` has
    /// already checked the tail's hash against ``prefixFilter``.
    private func literals(continuing text: UnsafeBufferPointer<UInt8>, at position: Int, _ body: (Int) -> Void) {
        let remaining = text.count - position
        // Binary search for the first literal not below the tail, then walk the range that starts with it.
        var low = 0, high = sortedByBytes.count
        while low < high {
            let middle = (low + high) / 2
            if compareFolded(literals[Int(sortedByBytes[middle])].bytes, text, from: position) < 0 { low = middle + 1 } else { high = middle }
        }
        while low < sortedByBytes.count {
            let index = Int(sortedByBytes[low])
            let literal = literals[index]
            guard compareFolded(literal.bytes, text, from: position) == 0 else { break }
            if literal.bytes.count > remaining && matches(literal, text, at: position, length: remaining) {
                body(index)
            }
            low += 1
        }
    }

    // MARK: - Internals

    private func verify(_ key: UInt64, at position: Int, in text: UnsafeBufferPointer<UInt8>, into hits: inout [Hit]) {
        guard let candidates = buckets[key] else { return }
        for candidate in candidates {
            let literal = literals[Int(candidate)]
            let length = literal.bytes.count
            guard position + length <= text.count else { continue }
            if matches(literal, text, at: position, length: length) { hits.append(Hit(literal: candidate, position: position)) }
        }
    }

    /// Whether the first `length` bytes of `literal` are the text at `position` (ASCII folded for a caseless
    /// literal, whose bytes are stored folded).
    private func matches(_ literal: Literal, _ text: UnsafeBufferPointer<UInt8>, at position: Int, length: Int) -> Bool {
        literal.bytes.withUnsafeBufferPointer { bytes in
            literal.caseless
                ? (0..<length).allSatisfy { Literal.fold(text[position + $0]) == bytes[$0] }
                : (0..<length).allSatisfy { text[position + $0] == bytes[$0] }
        }
    }

    /// Compares a literal's prefix, as long as the text's tail, with the tail, folded: <0, 0 or >0. A literal
    /// shorter than the tail that the tail begins with sorts before it, so that in the sorted literals the
    /// ones the tail is a prefix of form one run of zeros.
    private func compareFolded(_ literal: [UInt8], _ text: UnsafeBufferPointer<UInt8>, from position: Int) -> Int {
        let remaining = text.count - position
        for offset in 0..<min(literal.count, remaining) {
            let a = Literal.fold(literal[offset]), b = Literal.fold(text[position + offset])
            if a != b { return a < b ? -1 : 1 }
        }
        return literal.count < remaining ? -1 : 0
    }

    private static func key(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    @inline(__always)
    private static func hash(_ key: UInt64, bits: Int) -> Int { BitSet.index(hashing: key, bits: bits) }
}

/// A polynomial hash of a byte string that can grow at either end: forward over a literal's prefix,
/// backward over a text's tail, with the same result for the same bytes.
struct TailHash {
    static let bits = 20
    private static let base: UInt64 = 0x100_0000_01B3
    private var value: UInt64 = 0
    private var power: UInt64 = 1

    mutating func append(_ byte: UInt8) { value = value &* Self.base &+ UInt64(byte) }

    mutating func prepend(_ byte: UInt8) {
        value = value &+ UInt64(byte) &* power
        power = power &* Self.base
    }

    var bit: Int { BitSet.index(hashing: value, bits: Self.bits) }
}

/// A fixed-size set of small integers.
struct BitSet: Sendable {
    private(set) var words: [UInt64]

    init(bits: Int) { words = Array(repeating: 0, count: max(1, (1 << bits) / 64)) }

    mutating func insert(_ value: Int) { words[value >> 6] |= 1 << UInt64(value & 63) }

    func contains(_ value: Int) -> Bool { words[value >> 6] & (1 << UInt64(value & 63)) != 0 }

    /// A `bits`-bit index for a 64-bit key (multiplicative hashing: the product's top bits).
    @inline(__always)
    static func index(hashing key: UInt64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }
}
