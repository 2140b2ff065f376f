/// Maps byte offsets in repaired (valid UTF-8) text back to offsets in the original bytes.
///
/// The two differ only after an invalid sequence was replaced by U+FFFD; the map records one point per
/// replacement, so it is empty, and mapping costs nothing, for valid input.
struct OffsetMap {
    /// After each replacement: the first repaired offset past it, and the original offset it stands for.
    private var corrections: [(repaired: Int, original: Int)] = []

    mutating func append(repaired: Int, original: Int) {
        corrections.append((repaired, original))
    }

    /// The original offset of a repaired offset (which lies on a character boundary).
    func original(_ repaired: Int) -> Int {
        guard let last = corrections.last else { return repaired }
        if last.repaired <= repaired { return last.original + (repaired - last.repaired) }
        let index = corrections.partitioningIndex { $0.repaired > repaired }
        guard index > 0 else { return repaired }
        return corrections[index - 1].original + (repaired - corrections[index - 1].repaired)
    }

    /// Forgets corrections that no offset at or after `repaired` needs.
    mutating func discard(before repaired: Int) {
        let index = corrections.partitioningIndex { $0.repaired > repaired }
        if index > 1 { corrections.removeFirst(index - 1) }
    }
}

/// Turns a byte stream into valid UTF-8 incrementally: each maximal invalid subsequence (as Unicode and
/// WHATWG define it) becomes U+FFFD, and is kept for its owner to report (``takeInvalidSpans(startingBefore:_:)``),
/// so that no invalid byte reaches the matcher or the output. An incomplete sequence at the end of the input
/// so far is kept until more bytes arrive.
struct UTF8Repairer {
    /// Original byte offsets of one replaced sequence.
    typealias InvalidSpan = Range<Int>

    private(set) var offsets = OffsetMap()
    /// Original bytes consumed so far (including `pending`).
    private(set) var originalCount = 0
    /// Repaired bytes written so far.
    private(set) var repairedCount = 0
    /// The start of an incomplete sequence at the end of the input.
    private var pending = PartialCharacter()
    /// The replaced sequences not taken yet, in order.
    private var invalidSpans: [InvalidSpan] = []

    /// Appends the repaired form of `bytes` to `output`.
    mutating func repair(_ bytes: some Collection<UInt8>, into output: inout ByteBuffer) {
        if bytes.withContiguousStorageIfAvailable({ append($0, into: &output) }) == nil { decode(bytes, into: &output) }
    }

    /// Appends the character the last input left incomplete and then `chunk` in one copy and checks them in place.
    /// An incomplete character at the end is kept for the next input (a chunk of CJK text ends inside a character
    /// more often than not); from an invalid sequence on, the bytes are decoded one by one.
    @inline(__always)
    private mutating func append(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout ByteBuffer) {
        let start = output.count, carried = pending
        if !pending.isEmpty { pending.move(to: &output) }
        output.append(contentsOf: chunk)
        let appended = UnsafeBufferPointer(rebasing: output.bytes[start...])
        let validCount = Self.validPrefixLength(appended)
        let rest = UnsafeBufferPointer(rebasing: appended[validCount...])
        if rest.isEmpty || Self.isIncompleteCharacter(rest) {
            for byte in rest { pending.append(byte) }
            output.removeLast(rest.count)
            originalCount += chunk.count
            repairedCount += validCount
            return
        }
        guard validCount >= carried.count else {
            // The carried character does not go on: the decoder takes it up again, with the whole chunk.
            output.removeLast(appended.count)
            pending = carried
            return decode(chunk, into: &output)
        }
        output.removeLast(rest.count)
        originalCount += validCount - carried.count
        repairedCount += validCount
        decode(chunk[(validCount - carried.count)...], into: &output)
    }

    /// Whether `bytes` are the start of a character and not all of it: a lead byte, then valid continuations.
    private static func isIncompleteCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let lead = bytes.first, bytes.count < sequenceLength(lead: lead) else { return false }
        return (1..<bytes.count).allSatisfy { isValidContinuation(bytes[$0], at: $0, lead: lead) }
    }

    /// Counts input that is dropped without being read (after a stream was blocked).
    mutating func skip(_ count: Int) {
        originalCount += count
    }

    /// Forgets offset corrections that no repaired offset at or after `repaired` needs.
    mutating func discardOffsets(before repaired: Int) {
        offsets.discard(before: repaired)
    }

    /// Ends the input: an incomplete sequence still pending is invalid.
    mutating func finish(into output: inout ByteBuffer) {
        guard !pending.isEmpty else { return }
        let start = originalCount - pending.count
        pending = PartialCharacter()
        replace(start..<originalCount, into: &output)
    }

    private mutating func decode(_ bytes: some Collection<UInt8>, into output: inout ByteBuffer) {
        for byte in bytes {
            originalCount += 1
            if pending.isEmpty {
                if byte < 0x80 {
                    output.append(byte)
                    repairedCount += 1
                    continue
                }
                if Self.sequenceLength(lead: byte) == 0 {
                    replace(originalCount - 1..<originalCount, into: &output)
                    continue
                }
                pending.append(byte)
                continue
            }
            if Self.isValidContinuation(byte, at: pending.count, lead: pending.lead) {
                pending.append(byte)
                if pending.count == Self.sequenceLength(lead: pending.lead) {
                    repairedCount += pending.count
                    pending.move(to: &output)
                }
                continue
            }
            // The pending bytes are a maximal invalid subpart; `byte` starts afresh.
            let start = originalCount - 1 - pending.count
            pending = PartialCharacter()
            replace(start..<originalCount - 1, into: &output)
            originalCount -= 1
            decode(CollectionOfOne(byte), into: &output)
        }
    }

    private mutating func replace(_ span: InvalidSpan, into output: inout ByteBuffer) {
        output.append(contentsOf: [0xEF, 0xBF, 0xBD])
        repairedCount += 3
        offsets.append(repaired: repairedCount, original: span.upperBound)
        invalidSpans.append(span)
    }

    /// Whether a replaced sequence waits to be taken.
    var hasInvalidSpans: Bool { !invalidSpans.isEmpty }

    /// Calls `body` with each replaced sequence not taken yet that starts before original offset `end`, in
    /// order, and forgets them.
    mutating func takeInvalidSpans(startingBefore end: Int, _ body: (InvalidSpan) -> Void) {
        let count = invalidSpans.partitioningIndex { $0.lowerBound >= end }
        guard count > 0 else { return }
        for span in invalidSpans[..<count] { body(span) }
        invalidSpans.removeFirst(count)
    }

    /// The length of the longest prefix of `buffer` made of complete, valid UTF-8 characters.
    static func validPrefixLength(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index < buffer.count {
            // ASCII eight bytes at a time.
            if index + 8 <= buffer.count && raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = buffer[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // Most of CJK: a three-byte character whose second byte may be any continuation byte (lead E1-EF but
            // ED, see `isValidContinuation`), both continuation bytes checked at once.
            if lead &- 0xE1 < 0x0F && lead != 0xED && index + 3 <= buffer.count
                && raw.loadUnaligned(fromByteOffset: index + 1, as: UInt16.self) & 0xC0C0 == 0x8080 {
                index += 3
                continue
            }
            let length = sequenceLength(lead: lead)
            guard length > 0, index + length <= buffer.count else { return index }
            for position in 1..<length where !isValidContinuation(buffer[index + position], at: position, lead: lead) {
                return index
            }
            index += length
        }
        return index
    }

    /// The length of the sequence `lead` starts, or 0 if it cannot start one.
    static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }

    /// The length of the character that starts with `lead` in valid UTF-8.
    static func sequenceLength(ofCharacterStartingWith lead: UInt8) -> Int {
        lead < 0x80 ? 1 : sequenceLength(lead: lead)
    }

    /// Whether `byte` may stand at `position` (1...3) of a sequence that starts with `lead`.
    static func isValidContinuation(_ byte: UInt8, at position: Int, lead: UInt8) -> Bool {
        guard position == 1 else { return (0x80...0xBF).contains(byte) }
        switch lead {
        case 0xE0: return (0xA0...0xBF).contains(byte)
        case 0xED: return (0x80...0x9F).contains(byte)
        case 0xF0: return (0x90...0xBF).contains(byte)
        case 0xF4: return (0x80...0x8F).contains(byte)
        default: return (0x80...0xBF).contains(byte)
        }
    }
}

/// The first bytes (at most three) of a character that the input so far leaves incomplete, held in place:
/// a chunk of CJK text ends inside a character more often than not.
private struct PartialCharacter {
    /// Byte `i` in bits `8 * i` and up.
    private var storage: UInt32 = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// The first byte.
    var lead: UInt8 { UInt8(truncatingIfNeeded: storage) }

    mutating func append(_ byte: UInt8) {
        storage |= UInt32(byte) << (8 * count)
        count += 1
    }

    /// Appends the bytes to `output` and empties this.
    mutating func move(to output: inout ByteBuffer) {
        withUnsafeBytes(of: storage.littleEndian) { raw in
            raw.withMemoryRebound(to: UInt8.self) { output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
        self = PartialCharacter()
    }
}

/// A whole text as valid UTF-8 bytes, with the map back to the offsets of the bytes it came from.
struct ValidUTF8Text {
    let bytes: [UInt8]
    let offsets: OffsetMap

    init(bytes input: some Collection<UInt8>) {
        var repairer = UTF8Repairer()
        var output = ByteBuffer(capacity: input.count)
        repairer.repair(input, into: &output)
        repairer.finish(into: &output)
        bytes = Array(output.bytes)
        offsets = repairer.offsets
    }
}
