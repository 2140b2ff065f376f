/// Finds every occurrence of a set of literals (at least 3 bytes each) in UTF-8 text in one pass, and tells
/// which literals a text's tail could be the beginning of.
///
/// The pass is a shift-or over eight buckets of literals, the idea of Hyperscan's FDR. A 64-bit state holds
/// eight lanes of one bit per bucket; each byte shifts it by a lane and ORs in the mask of the text's last two
/// bytes, whose zero bits say which lane of which bucket that pair fits. A literal's pairs fill the top lanes,
/// so a zero bit in the top lane means that a literal of that bucket may end its first (up to) 8 bytes here;
/// only then a table lookup and a byte comparison follow. Each bucket holds literals of one such length.
/// Immutable once built, so one scanner serves every thread.
final class LiteralScanner: @unchecked Sendable {
    /// One occurrence: which literal (index into the scanner's literals), and the byte offset where it starts.
    struct Hit {
        var literal: Int32
        var position: Int
    }

    /// The longest literal, in bytes.
    let maximumLength: Int

    /// What a scan tells besides the hits.
    struct Summary {
        /// The text holds KELVIN SIGN (U+212A) or LONG S (U+017F), which PCRE2's caseless matching equates
        /// with `k` and `s` although the scanner's ASCII folding does not.
        var hasCaseVariants = false
        /// No tail of the text (from the scan's start) longer than this may be the beginning of a literal.
        var longestTailBeginningALiteral = 0
    }

    /// The number of buckets and of lanes: one bit of a lane per bucket, one byte of the state per lane.
    private static let buckets = 8
    /// A literal's first bytes, up to this many, are what the shift-or looks for.
    private static let keyBytes = 8
    /// Every literal's bytes (ASCII letters folded when the literal is caseless), one after another.
    private let storage: FixedBuffer<UInt8>
    /// Where literal `i` starts in ``storage``; one more entry marks the end of the last.
    private let starts: FixedBuffer<Int32>
    private let isCaseless: FixedBuffer<Bool>
    /// By pair of bytes (the earlier one in the low 8 bits): bit `8 * lane + bucket` is zero where the pair
    /// can end byte `lane - 8 + k` of a key of `k` bytes of that bucket (the key's last byte is in the top
    /// lane), and in the lanes up to its first byte, which take any pair.
    private let pairMasks: FixedBuffer<UInt64>
    /// By bucket: how many first bytes of its literals its keys hold.
    private let keyLengths: FixedBuffer<Int>
    /// By bucket: the bits of a loaded 8-byte word that its keys take.
    private let keyMasks: FixedBuffer<UInt64>
    /// By bucket: key (a literal's first bytes, folded) → the literals that begin with it.
    private let keys: FixedBuffer<KeyTable>
    /// Literal indices sorted by folded bytes: the literals that begin with a given text form a range.
    private let sortedByBytes: FixedBuffer<Int32>
    /// Hashes (``TailHash``) of every proper prefix of every literal: a text's tail whose hash is not
    /// here begins no literal.
    private let prefixFilter: BitSet
    /// By tail length `m` (2...7): the state bits that are zero after a text whose last `m` bytes may be a
    /// proper prefix of a literal's key (lane `8 - k + m - 1` of each bucket whose keys have `k > m` bytes).
    private let tailLanes: [UInt64]
    /// Every length's ``tailLanes``.
    private let anyTailLane: UInt64
    /// The first bytes of the literals, ASCII letters folded.
    private let firstBytes: ByteSet

    init(literals: [Literal]) {
        precondition(literals.allSatisfy { $0.bytes.count >= 3 }, "the scanner needs literals of at least 3 bytes")
        maximumLength = literals.map(\.bytes.count).max() ?? 0
        storage = FixedBuffer(literals.flatMap(\.bytes))
        starts = FixedBuffer(literals.reduce(into: [0]) { starts, literal in starts.append(starts.last! + Int32(literal.bytes.count)) })
        isCaseless = FixedBuffer(literals.map(\.caseless))
        let folded = literals.map { $0.bytes.map(Literal.fold) }
        let prefixFilter = BitSet(bits: TailHash.bits)
        self.prefixFilter = prefixFilter
        for bytes in folded { TailHash.forEachProperPrefix(of: bytes) { prefixFilter.insert($0.bit) } }
        let buckets = Self.bucketed(folded)
        var masks = [UInt64](repeating: ~0, count: 1 << 16)
        var keyTables: [KeyTable] = []
        for (bucket, (keyLength, members)) in buckets.enumerated() {
            var anyPair: UInt64 = 0
            for lane in 0...(Self.buckets - keyLength) { anyPair |= 1 << UInt64(8 * lane + bucket) }
            for pair in masks.indices { masks[pair] &= ~anyPair }
            var keys: [UInt64: [Int32]] = [:]
            for index in members {
                let literal = literals[index]
                for offset in 1..<keyLength {
                    let bit: UInt64 = 1 << UInt64(8 * (Self.buckets - keyLength + offset) + bucket)
                    for earlier in Self.caseVariants(of: literal.bytes[offset - 1], caseless: literal.caseless) {
                        for later in Self.caseVariants(of: literal.bytes[offset], caseless: literal.caseless) {
                            masks[Int(earlier) | Int(later) << 8] &= ~bit
                        }
                    }
                }
                keys[Self.key(folded[index].prefix(keyLength)), default: []].append(Int32(index))
            }
            keyTables.append(KeyTable(keys))
        }
        pairMasks = FixedBuffer(masks)
        var tailLanes = [UInt64](repeating: 0, count: Self.keyBytes)
        for (bucket, (keyLength, _)) in buckets.enumerated() where keyLength > 2 {
            for length in 2..<keyLength { tailLanes[length] |= 1 << UInt64(8 * (Self.buckets - keyLength + length - 1) + bucket) }
        }
        self.tailLanes = tailLanes
        anyTailLane = tailLanes.reduce(0, |)
        firstBytes = ByteSet(folded.map { $0[0] })
        keyLengths = FixedBuffer(buckets.map(\.keyLength))
        keyMasks = FixedBuffer(buckets.map { $0.keyLength == 8 ? ~0 : (1 << UInt64(8 * $0.keyLength)) - 1 })
        keys = FixedBuffer(keyTables)
        sortedByBytes = FixedBuffer(literals.indices.map(Int32.init).sorted { folded[Int($0)].lexicographicallyPrecedes(folded[Int($1)]) })
    }

    deinit {
        prefixFilter.words.free()
        pairMasks.free()
        keyLengths.free()
        keyMasks.free()
        for index in 0..<keys.count { keys[index].free() }
        keys.free()
        storage.free()
        starts.free()
        isCaseless.free()
        sortedByBytes.free()
    }

    /// The literals' indices (given their folded bytes) in ``buckets`` buckets, each of literals whose keys
    /// (their first bytes, up to ``keyBytes``) are as long. Every key length (3 to ``keyBytes``, fewer than
    /// buckets) gets a bucket, and the others go one by one to the length with the most literals per bucket.
    /// A length's literals are split in runs of sorted bytes, so that a bucket's literals share pairs.
    private static func bucketed(_ folded: [[UInt8]]) -> [(keyLength: Int, members: [Int])] {
        let byLength = Dictionary(grouping: folded.indices) { min(folded[$0].count, keyBytes) }
        let lengths = byLength.keys.sorted()
        var shares = Dictionary(uniqueKeysWithValues: lengths.map { ($0, 1) })
        func load(_ length: Int) -> Double { Double(byLength[length]!.count) / Double(shares[length]!) }
        while shares.values.reduce(0, +) < buckets, let busiest = lengths.max(by: { load($0) < load($1) }), load(busiest) > 1 {
            shares[busiest]! += 1
        }
        var buckets: [(keyLength: Int, members: [Int])] = []
        for length in lengths {
            let members = byLength[length]!.sorted { folded[$0].lexicographicallyPrecedes(folded[$1]) }
            let share = shares[length]!
            for part in 0..<share {
                buckets.append((length, Array(members[members.count * part / share ..< members.count * (part + 1) / share])))
            }
        }
        return buckets + Array(repeating: (keyBytes, []), count: Self.buckets - buckets.count)
    }

    /// The bytes that a literal's byte matches: both cases of an ASCII letter of a caseless literal.
    private static func caseVariants(of byte: UInt8, caseless: Bool) -> [UInt8] {
        caseless && byte >= 0x61 && byte <= 0x7A ? [byte, byte - 0x20] : [byte]
    }

    /// Appends every occurrence of a literal that starts at or after `start` and ends inside `text` (in
    /// order of the end of their key), and tells how long a tail of the text may begin one.
    func scan(_ text: UnsafeBufferPointer<UInt8>, from start: Int, into hits: inout GrowableBuffer<Hit>) -> Summary {
        guard let base = text.baseAddress, text.count - start >= 2 else {
            return Summary(longestTailBeginningALiteral: max(0, text.count - start))
        }
        let masks = pairMasks.pointer
        let raw = UnsafeRawPointer(base)
        let count = text.count
        var hasCaseVariants = false
        var literalRunsPastEnd = false
        // Lanes before `start` take anything: a candidate that begins there is dropped in `verify`. The first
        // byte's pair has no earlier byte: only a literal that begins before `start` could use it.
        var state = masks[Int(base[start]) &<< 8]
        var end = start &+ 1
        // Eight bytes at a time. Shifted to its byte's place, each pair's mask goes into a 128-bit state
        // (`high`, `low`) whose lanes 7...14 are then the top lanes after each of the eight bytes; the rare
        // candidates are handled out of line.
        while end &+ 8 <= count {
            if Self.mayHoldCaseVariant(raw.loadUnaligned(fromByteOffset: end, as: UInt64.self)) {
                hasCaseVariants = hasCaseVariants || (end..<end &+ 8).contains { Self.endsWithCaseVariant(text, at: $0, from: start) }
            }
            func pair(_ offset: Int) -> UInt64 { masks[Int(raw.loadUnaligned(fromByteOffset: end &+ offset &- 1, as: UInt16.self))] }
            let m0 = pair(0), m1 = pair(1), m2 = pair(2), m3 = pair(3), m4 = pair(4), m5 = pair(5), m6 = pair(6), m7 = pair(7)
            let low = m0 &<< 56 | m1 &<< 48 | m2 &<< 40 | m3 &<< 32 | m4 &<< 24 | m5 &<< 16 | m6 &<< 8 | m7
            let high = state | m0 &>> 8 | m1 &>> 16 | m2 &>> 24 | m3 &>> 32 | m4 &>> 40 | m5 &>> 48 | m6 &>> 56
            // Byte `b` of `tops`: the top lane after the byte at `end + 7 - b`.
            let tops = low &>> 56 | high &<< 8
            if tops != ~0 { verify(tops: ~tops, endingBefore: end &+ 8, from: start, in: text, into: &hits, runsPastEnd: &literalRunsPastEnd) }
            state = low
            end &+= 8
        }
        while end < count {
            let byte = base[end]
            if byte == 0xBF || byte == 0xAA { hasCaseVariants = hasCaseVariants || Self.endsWithCaseVariant(text, at: end, from: start) }
            state = state &<< 8 | masks[Int(base[end &- 1]) | Int(byte) &<< 8]
            if state < 0xFF00_0000_0000_0000 {
                verify(tops: ~state &>> 56, endingBefore: end &+ 1, from: start, in: text, into: &hits, runsPastEnd: &literalRunsPastEnd)
            }
            end &+= 1
        }
        let tail = literalRunsPastEnd ? min(count - start, maximumLength - 1) : longestTail(after: state, in: text, from: start)
        return Summary(hasCaseVariants: hasCaseVariants, longestTailBeginningALiteral: tail)
    }

    /// The longest tail (from `start`, on a character boundary) that the state after the text's last byte
    /// leaves as the beginning of a key, when no key that the scan found runs past the text's end.
    private func longestTail(after state: UInt64, in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        // (Where no lane of a tail of 2 bytes or more is open, one test passes over those lengths.)
        var length = min(text.count - start, ~state & anyTailLane == 0 ? 1 : Self.keyBytes - 1)
        while length >= 2 {
            if ~state & tailLanes[length] != 0 && text[text.count - length] & 0xC0 != 0x80 { return length }
            length -= 1
        }
        let last = text[text.count - 1]
        return length == 1 && last < 0x80 && firstBytes.contains(Literal.fold(last)) ? 1 : 0
    }

    /// Whether one of the 8 bytes is BF or AA, the last bytes of LONG S and KELVIN SIGN.
    @inline(__always)
    private static func mayHoldCaseVariant(_ word: UInt64) -> Bool {
        func hasZeroByte(_ word: UInt64) -> Bool { (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 }
        return hasZeroByte(word ^ 0xBFBF_BFBF_BFBF_BFBF) || hasZeroByte(word ^ 0xAAAA_AAAA_AAAA_AAAA)
    }

    /// Whether the text from `start` holds LONG S (C5 BF) or KELVIN SIGN (E2 84 AA) ending at `end`.
    private static func endsWithCaseVariant(_ text: UnsafeBufferPointer<UInt8>, at end: Int, from start: Int) -> Bool {
        if text[end] == 0xBF { return end - 1 >= start && text[end - 1] == 0xC5 }
        return end - 2 >= start && text[end - 2] == 0xE2 && text[end - 1] == 0x84
    }

    /// Calls `body` with each position from `start` on (a character boundary) where the rest of `text`
    /// is a proper prefix of a literal (folded), and that literal. For the tail of a stream's window: a match
    /// may begin there once more text comes.
    func literalsContinuing(_ text: UnsafeBufferPointer<UInt8>, from start: Int, _ body: (_ position: Int, _ literal: Int) -> Void) {
        TailHash.forEachTail(of: text, from: start, shorterThan: maximumLength) { position, hash in
            if prefixFilter.contains(hash.bit) {
                literals(continuing: UnsafeBufferPointer(rebasing: text[position...])) { body(position, $0) }
            }
        }
    }

    /// The literals that `tail` is a proper prefix of; `literalsContinuing` has already checked the tail's
    /// hash against ``prefixFilter``.
    private func literals(continuing tail: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        // Binary search for the first literal not below the tail, then walk the range that starts with it.
        var low = 0, high = sortedByBytes.count
        while low < high {
            let middle = (low + high) / 2
            if compareFolded(literal: Int(sortedByBytes[middle]), with: tail) < 0 { low = middle + 1 } else { high = middle }
        }
        while low < sortedByBytes.count, compareFolded(literal: Int(sortedByBytes[low]), with: tail) == 0 {
            let index = Int(sortedByBytes[low])
            if length(of: index) > tail.count && matches(literal: index, tail, at: 0, length: tail.count) { body(index) }
            low += 1
        }
    }

    // MARK: - Internals

    @inline(__always)
    private func length(of literal: Int) -> Int { Int(starts[literal + 1] - starts[literal]) }

    /// Appends the occurrences of the literals whose keys end at the bytes before `limit` that `tops` says:
    /// byte `b` of `tops` holds the buckets of the literals whose key may end at `limit - 1 - b`.
    /// `runsPastEnd` is set when such a key begins a literal that the text's end cuts short.
    @inline(never)
    private func verify(tops: UInt64, endingBefore limit: Int, from start: Int, in text: UnsafeBufferPointer<UInt8>,
                        into hits: inout GrowableBuffer<Hit>, runsPastEnd: inout Bool) {
        var tops = tops
        while tops != 0 {
            let byte = (63 - tops.leadingZeroBitCount) / 8
            verify(buckets: tops >> UInt64(8 * byte) & 0xFF, end: limit - 1 - byte, from: start, in: text, into: &hits, runsPastEnd: &runsPastEnd)
            tops &= ~(0xFF << UInt64(8 * byte))
        }
    }

    /// Appends the occurrences of the literals of each bucket in `buckets` (a bit set) whose key ends at `end`.
    /// Inlined into the loop over the bytes that `tops` names: most calls find nothing, and a call costs as
    /// much as a key look-up.
    @inline(__always)
    private func verify(buckets: UInt64, end: Int, from start: Int, in text: UnsafeBufferPointer<UInt8>, into hits: inout GrowableBuffer<Hit>,
                        runsPastEnd: inout Bool) {
        var buckets = buckets
        while buckets != 0 {
            let bucket = buckets.trailingZeroBitCount
            buckets &= buckets &- 1
            let position = end + 1 - keyLengths[bucket]
            guard position >= start else { continue }
            let key: UInt64
            if position &+ 8 <= text.count {
                let word = UnsafeRawPointer(text.baseAddress!).loadUnaligned(fromByteOffset: position, as: UInt64.self)
                key = Self.foldASCII(word) & keyMasks[bucket]
            } else {
                key = Self.key(text[position...end].lazy.map(Literal.fold))
            }
            guard let candidates = keys[bucket].literals(forKey: key) else { continue }
            for candidate in candidates {
                let literal = Int(candidate)
                let length = length(of: literal)
                if position + length <= text.count {
                    if matches(literal: literal, text, at: position, length: length) { hits.append(Hit(literal: candidate, position: position)) }
                } else if !runsPastEnd {
                    runsPastEnd = matches(literal: literal, text, at: position, length: text.count - position)
                }
            }
        }
    }

    /// Whether the first `length` bytes of a literal are the text at `position` (ASCII folded for a caseless
    /// literal, whose bytes are stored folded).
    @inline(__always)
    private func matches(literal: Int, _ text: UnsafeBufferPointer<UInt8>, at position: Int, length: Int) -> Bool {
        let first = Int(starts[literal])
        if isCaseless[literal] {
            for offset in 0..<length where Literal.fold(text[position + offset]) != storage[first + offset] { return false }
        } else {
            for offset in 0..<length where text[position + offset] != storage[first + offset] { return false }
        }
        return true
    }

    /// Compares a literal's prefix, as long as `tail`, with `tail`, folded: <0, 0 or >0. A literal shorter than
    /// the tail that the tail begins with sorts before it, so that in the sorted literals the ones the tail
    /// is a prefix of form one run of zeros.
    private func compareFolded(literal: Int, with tail: UnsafeBufferPointer<UInt8>) -> Int {
        let first = Int(starts[literal]), length = length(of: literal)
        for offset in 0..<min(length, tail.count) {
            let a = Literal.fold(storage[first + offset]), b = Literal.fold(tail[offset])
            if a != b { return a < b ? -1 : 1 }
        }
        return length < tail.count ? -1 : 0
    }

    /// A key's bytes as one number, the first in the low 8 bits (as an unaligned load reads them).
    static func key(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var key: UInt64 = 0, shift: UInt64 = 0
        for byte in bytes {
            key |= UInt64(byte) << shift
            shift += 8
        }
        return key
    }

    /// The eight bytes of `word` with ASCII capitals made small (``Literal/fold(_:)`` on each).
    @inline(__always)
    static func foldASCII(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low = word & (0x7F * ones)
        // A byte's top bit after the additions: its low 7 bits are at least `A`, and more than `Z`.
        let fromA = low &+ (0x80 - 0x41) * ones, pastZ = low &+ (0x80 - 0x5B) * ones
        let capitals = fromA & ~pastZ & ~word & (0x80 * ones)
        return word | capitals &>> 2
    }
}

/// An open-addressing table from a 64-bit key to a list of literal indices, with no hashing beyond one
/// multiplication (a Swift `Dictionary` hashes each lookup with SipHash). Freed by its owner.
private struct KeyTable {
    private struct Slot {
        var key: UInt64
        var first: Int32
        /// 0 for an empty slot.
        var count: Int32
    }

    private let slots: FixedBuffer<Slot>
    private let literals: FixedBuffer<Int32>
    private let bits: Int

    init(_ entries: [UInt64: [Int32]]) {
        var bits = 1
        while 1 << bits < 2 * entries.count { bits += 1 }
        var slots = [Slot](repeating: Slot(key: 0, first: 0, count: 0), count: 1 << bits)
        var literals: [Int32] = []
        for (key, indices) in entries.sorted(by: { $0.key < $1.key }) {
            var slot = BitSet.index(hashing: key, bits: bits)
            while slots[slot].count != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = Slot(key: key, first: Int32(literals.count), count: Int32(indices.count))
            literals += indices
        }
        self.slots = FixedBuffer(slots)
        self.literals = FixedBuffer(literals)
        self.bits = bits
    }

    func free() {
        slots.free()
        literals.free()
    }

    /// The literals whose key is `key`, if any.
    @inline(__always)
    func literals(forKey key: UInt64) -> UnsafeBufferPointer<Int32>? {
        var slot = BitSet.index(hashing: key, bits: bits)
        while true {
            let entry = slots[slot]
            if entry.count == 0 { return nil }
            if entry.key == key { return literals.slice(Int(entry.first), Int(entry.first + entry.count)) }
            slot = (slot + 1) & (slots.count - 1)
        }
    }
}

/// A polynomial hash of a byte string that can grow at either end: forward over a literal's prefix,
/// backward over a text's tail, with the same result for the same bytes.
struct TailHash {
    static let bits = 20
    private static let base: UInt64 = 0x100_0000_01B3
    private(set) var value: UInt64 = 0
    private var power: UInt64 = 1

    mutating func append(_ byte: UInt8) { value = value &* Self.base &+ UInt64(byte) }

    mutating func prepend(_ byte: UInt8) {
        value = value &+ UInt64(byte) &* power
        power = power &* Self.base
    }

    var bit: Int { BitSet.index(hashing: value, bits: Self.bits) }

    /// Calls `body` with the hash of each proper prefix of `bytes` (ASCII letters folded), shortest first.
    static func forEachProperPrefix(of bytes: [UInt8], _ body: (TailHash) -> Void) {
        var hash = TailHash()
        for byte in bytes.dropLast() {
            hash.append(Literal.fold(byte))
            body(hash)
        }
    }

    /// Calls `body` with each character boundary of `text` from `start` on where the rest of the text is
    /// shorter than `length` bytes, latest first, with the hash of the rest (ASCII letters folded).
    @inline(__always)
    static func forEachTail(of text: UnsafeBufferPointer<UInt8>, from start: Int, shorterThan length: Int,
                            _ body: (_ position: Int, _ hash: TailHash) -> Void) {
        var hash = TailHash()
        var position = text.count - 1
        let first = max(start, text.count - length + 1)
        while position >= first {
            hash.prepend(Literal.fold(text[position]))
            if text[position] & 0xC0 != 0x80 { body(position, hash) }
            position -= 1
        }
    }
}

/// The proper prefixes (folded) of a set of literals, each with a value given for one literal it begins:
/// finds where a text's tail may be the start of one of them. Freed by its owner.
///
/// Prefixes are compared by their 64-bit ``TailHash`` alone. A collision could only report a tail that
/// begins no literal, which makes a stream hold a few bytes back for nothing; it never misses one.
struct TailPrefixTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt64
        /// -1 for an empty slot.
        var value: Int32
        /// Every literal that begins with this prefix starts at a word boundary (`\b`).
        var startsAtBoundary: Bool
    }

    private let filter: BitSet
    private let slots: FixedBuffer<Slot>
    private let slotBits: Int
    /// The longest literal, in bytes.
    private let maximumLength: Int

    /// - Parameter literals: the literals' bytes (ASCII letters are folded here), the value to report for each,
    ///   and whether every match through it starts at a word boundary (ASCII `\b`); where prefixes of several
    ///   literals are equal, the first one's value is kept.
    init(literals: [(bytes: [UInt8], value: Int32, startsAtBoundary: Bool)]) {
        var entries: [UInt64: Slot] = [:]
        var order: [UInt64] = []
        for literal in literals {
            TailHash.forEachProperPrefix(of: literal.bytes) { hash in
                if let entry = entries[hash.value] {
                    entries[hash.value]!.startsAtBoundary = entry.startsAtBoundary && literal.startsAtBoundary
                } else {
                    entries[hash.value] = Slot(hash: hash.value, value: literal.value, startsAtBoundary: literal.startsAtBoundary)
                    order.append(hash.value)
                }
            }
        }
        filter = BitSet(bits: min(20, max(6, (order.count * 16).bitWidthNeeded)))
        slotBits = max(1, (order.count * 2).bitWidthNeeded)
        var slots = [Slot](repeating: Slot(hash: 0, value: -1, startsAtBoundary: false), count: 1 << slotBits)
        for hash in order {
            filter.insert(filter.index(hashing: hash))
            var slot = BitSet.index(hashing: hash, bits: slotBits)
            while slots[slot].value >= 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = entries[hash]!
        }
        self.slots = FixedBuffer(slots)
        maximumLength = literals.map(\.bytes.count).max() ?? 0
    }

    func free() {
        filter.words.free()
        slots.free()
    }

    /// Calls `body` with each position from `start` on (a character boundary, latest first) where the rest
    /// of `text` is a proper prefix of one of the literals, and that literal's value. A prefix of literals that
    /// all start at a word boundary is left out where `text` has none (its text before `start` tells).
    func forEachTailPrefix(in text: UnsafeBufferPointer<UInt8>, from start: Int, _ body: (_ position: Int, _ value: Int32) -> Void) {
        TailHash.forEachTail(of: text, from: start, shorterThan: maximumLength) { position, hash in
            guard filter.contains(filter.index(hashing: hash.value)), let entry = entry(for: hash.value) else { return }
            if entry.startsAtBoundary && text.isWordCharacter(at: position - 1) == text.isWordCharacter(at: position) { return }
            body(position, entry.value)
        }
    }

    private func entry(for hash: UInt64) -> Slot? {
        var slot = BitSet.index(hashing: hash, bits: slotBits)
        while true {
            let entry = slots[slot]
            if entry.value < 0 { return nil }
            if entry.hash == hash { return entry }
            slot = (slot + 1) & (slots.count - 1)
        }
    }
}

private extension Int {
    /// The number of bits needed to count to this value.
    var bitWidthNeeded: Int { Int.bitWidth - leadingZeroBitCount }
}

/// A fixed-size set of small integers, filled while its owner is built. Freed by its owner (`words.free()`).
struct BitSet: Sendable {
    let words: FixedBuffer<UInt64>
    let bits: Int

    init(bits: Int) {
        self.bits = bits
        words = FixedBuffer(repeating: 0, count: max(1, (1 << bits) / 64))
    }

    func insert(_ value: Int) { words[value >> 6] |= 1 << UInt64(value & 63) }

    @inline(__always)
    func contains(_ value: Int) -> Bool { words[value >> 6] & (1 << UInt64(value & 63)) != 0 }

    /// This set's index for a 64-bit key.
    @inline(__always)
    func index(hashing key: UInt64) -> Int { Self.index(hashing: key, bits: bits) }

    /// A `bits`-bit index for a 64-bit key (multiplicative hashing: the product's top bits).
    @inline(__always)
    static func index(hashing key: UInt64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }
}
