/// Turns text into its normalised *view* (see ``Normalization``) incrementally: a chunk at a time, with
/// the same result however the text is cut, keeping in ``ViewOffsets`` where each view byte came from.
///
/// Skipping noise needs to see what follows it, so a noise run (and the few characters after it that
/// decide its fate) stays pending until the next character, or ``finish(into:offsets:)``, decides it.
struct TextNormalizer {
    let steps: Normalization
    private let folding = CharacterFolding.shared

    /// The longest noise run skipped between two Chinese characters, and between single letters.
    static let maximumHanGap = 3, maximumLetterGap = 2
    /// The most characters kept pending: beyond it the oldest are decided as if the text ended there.
    private static let maximumPending = 16

    /// One character read: where it lies in the original, its bytes in the view (replaced or not), its kind.
    private struct Entry {
        var original: Int
        var originalLength: Int
        var bytes: [UInt8]?
        var kind: CharacterKind
    }

    /// Characters read but not yet written to the view.
    private var pending: [Entry] = []
    /// The original offset of the next character to read.
    private(set) var originalCount = 0
    /// The view offset of the next byte to write.
    private(set) var viewCount = 0
    /// The original offset after the last character written or dropped as noise.
    private var nextOriginal = 0
    /// The kind of the last character written or dropped, and of the last one that was not noise.
    private var previousKind = CharacterKind.other
    private var previousWordKind = CharacterKind.other
    /// Whether the last letter written had no word character before it (it is a single letter if none
    /// follows either), and how many single letters, joined across skipped gaps, end with it.
    private var lastLetterStartsAlone = false
    private var letterChain = 0
    /// Whether the last noise run was skipped between single letters, and what it was.
    private var skippedLetterGap = false
    private var letterGap: [UInt8] = []

    init(steps: Normalization, startingAt offset: Int = 0) {
        self.steps = steps.textSteps
        originalCount = offset
        viewCount = offset
        nextOriginal = offset
    }

    /// Whether the view is the text itself: no step changes text.
    var isIdentity: Bool { steps.isEmpty }

    /// The original offset before which every character is written to the view (or dropped).
    var settledOriginal: Int { pending.first?.original ?? originalCount }

    /// Reads `text` (valid UTF-8, whole characters) and appends its view to `view`, apart from what stays
    /// pending.
    mutating func append(_ text: UnsafeBufferPointer<UInt8>, into view: inout [UInt8], offsets: inout ViewOffsets) {
        var index = 0
        while index < text.count {
            let first = text[index]
            let length = first < 0x80 ? 1 : first < 0xE0 ? 2 : first < 0xF0 ? 3 : 4
            let scalar = Self.decode(text, at: index, length: length)
            let original = originalCount + index
            index += length
            if steps.contains(.invisible) && folding.isInvisible(scalar) {
                // Recorded at once when nothing is pending, so that the view is complete up to here.
                if pending.isEmpty {
                    offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: original + length - nextOriginal)
                    nextOriginal = original + length
                }
                continue
            }
            var entry = Entry(original: original, originalLength: length, bytes: nil, kind: .other)
            if folding.mayReplace(scalar, steps: steps), let replacement = folding.replacement(of: scalar, steps: steps) {
                entry.bytes = replacement
                entry.kind = replacement.count == 1 ? folding.kind(of: UInt32(replacement[0])) : folding.kind(of: Self.firstScalar(of: replacement))
            } else {
                entry.kind = folding.kind(of: scalar)
            }
            if pending.isEmpty && !(steps.contains(.noise) && entry.kind == .noise && mayBeSkipped) {
                write(entry, from: text, at: index - length, into: &view, offsets: &offsets)
            } else {
                if entry.bytes == nil { entry.bytes = Array(text[(index - length)..<index]) }
                pending.append(entry)
                settle(final: false, into: &view, offsets: &offsets)
            }
        }
        originalCount += text.count
    }

    /// Ends the text: decides what is pending as if nothing followed.
    mutating func finish(into view: inout [UInt8], offsets: inout ViewOffsets) {
        settle(final: true, into: &view, offsets: &offsets)
        if nextOriginal < originalCount {
            offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: originalCount - nextOriginal)
            nextOriginal = originalCount
        }
    }

    /// The whole view of `text`, with its offsets (offsets in `text`).
    static func normalize(_ text: UnsafeBufferPointer<UInt8>, steps: Normalization) -> (view: [UInt8], offsets: ViewOffsets) {
        var normalizer = TextNormalizer(steps: steps)
        var view: [UInt8] = []
        view.reserveCapacity(text.count)
        var offsets = ViewOffsets()
        normalizer.append(text, into: &view, offsets: &offsets)
        normalizer.finish(into: &view, offsets: &offsets)
        return (view, offsets)
    }

    /// The normalised form of `text`.
    static func normalize(_ text: String, steps: Normalization) -> String {
        guard !steps.textSteps.isEmpty else { return text }
        var text = text
        return text.withUTF8 { String(decoding: normalize($0, steps: steps).view, as: UTF8.self) }
    }

    // MARK: - Deciding noise

    /// Whether a noise character read now could be skipped: it follows a Chinese character or a letter
    /// that may be single.
    private var mayBeSkipped: Bool {
        previousWordKind == .han || (previousKind == .letter && lastLetterStartsAlone)
    }

    private enum Decision { case skip, keep, wait }

    /// Writes or drops pending characters, front first, as far as what has been read decides them.
    private mutating func settle(final: Bool, into view: inout [UInt8], offsets: inout ViewOffsets) {
        while let front = pending.first {
            if front.kind != .noise {
                write(pending.removeFirst(), into: &view, offsets: &offsets)
                continue
            }
            let runLength = pending.firstIndex { $0.kind != .noise } ?? pending.count
            var decision = decideRun(of: runLength, final: final)
            if decision == .wait && pending.count > Self.maximumPending { decision = decideRun(of: runLength, final: true) }
            switch decision {
            case .wait:
                return
            case .skip:
                skippedLetterGap = previousWordKind == .letter
                if skippedLetterGap { letterGap = gapBytes(0..<runLength) }
                for _ in 0..<runLength { drop(pending.removeFirst(), offsets: &offsets) }
            case .keep:
                skippedLetterGap = false
                for _ in 0..<runLength { write(pending.removeFirst(), into: &view, offsets: &offsets) }
            }
        }
    }

    /// Whether the noise run of `length` characters at the front of `pending` is skipped.
    private func decideRun(of length: Int, final: Bool) -> Decision {
        // What follows the run, and whether it is known yet.
        func next(_ index: Int) -> Entry?? { index < pending.count ? .some(pending[index]) : (final ? .some(nil) : nil) }
        if previousWordKind == .han {
            guard length <= Self.maximumHanGap, let after = next(length) else { return length > Self.maximumHanGap ? .keep : .wait }
            return after?.kind == .han ? .skip : .keep
        }
        guard previousWordKind == .letter, lastLetterStartsAlone, length <= Self.maximumLetterGap else { return .keep }
        // The letter after the run must be single too, the chain of single letters at least three long, and
        // its gaps alike ("s e x", "f.u.c.k"), so that "s e x, f" does not run on into the next word.
        let gap = gapBytes(0..<length)
        if letterChain >= 2 && gap != letterGap { return .keep }
        var chain = letterChain
        var index = length
        while true {
            guard let letter = next(index) else { return .wait }
            guard let letter, letter.kind == .letter else { return .keep }
            guard let afterLetter = next(index + 1) else { return .wait }
            if afterLetter?.kind.isWordCharacter == true { return .keep }
            chain += 1
            if chain >= 3 { return .skip }
            // Look on through the next gap for a third letter.
            var nextGap = 0
            while case .some(.some(let entry)) = next(index + 1 + nextGap), entry.kind == .noise { nextGap += 1 }
            guard next(index + 1 + nextGap) != nil else { return .wait }
            guard gapBytes((index + 1)..<(index + 1 + nextGap)) == gap else { return .keep }
            index += 1 + nextGap
        }
    }

    /// The bytes of pending noise characters.
    private func gapBytes(_ range: Range<Int>) -> [UInt8] { pending[range].flatMap { $0.bytes ?? [] } }

    // MARK: - Writing

    private mutating func write(_ entry: Entry, from text: UnsafeBufferPointer<UInt8>? = nil, at position: Int = 0,
                                into view: inout [UInt8], offsets: inout ViewOffsets) {
        if nextOriginal < entry.original {
            offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: entry.original - nextOriginal)
        }
        let viewLength: Int
        if let bytes = entry.bytes {
            view.append(contentsOf: bytes)
            viewLength = bytes.count
        } else {
            view.append(contentsOf: text![position..<position + entry.originalLength])
            viewLength = entry.originalLength
        }
        if viewLength != entry.originalLength {
            offsets.record(view: viewCount, original: entry.original, viewLength: viewLength, originalLength: entry.originalLength)
        }
        viewCount += viewLength
        nextOriginal = entry.original + entry.originalLength
        note(entry.kind)
    }

    private mutating func drop(_ entry: Entry, offsets: inout ViewOffsets) {
        offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: entry.original + entry.originalLength - nextOriginal)
        nextOriginal = entry.original + entry.originalLength
        previousKind = .noise
    }

    /// Updates what the next decisions need to know of the characters before them.
    private mutating func note(_ kind: CharacterKind) {
        if kind == .letter {
            let startsAlone = !previousKind.isWordCharacter
            letterChain = startsAlone ? (skippedLetterGap && previousKind == .noise ? letterChain + 1 : 1) : 0
            lastLetterStartsAlone = startsAlone
        }
        if kind != .noise {
            previousWordKind = kind
            if kind != .letter { skippedLetterGap = false }
        }
        previousKind = kind
    }

    // MARK: - UTF-8

    @inline(__always)
    private static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> UInt32 {
        let first = UInt32(text[index])
        switch length {
        case 1: return first
        case 2: return (first & 0x1F) << 6 | UInt32(text[index + 1] & 0x3F)
        case 3: return (first & 0x0F) << 12 | UInt32(text[index + 1] & 0x3F) << 6 | UInt32(text[index + 2] & 0x3F)
        default:
            return (first & 0x07) << 18 | UInt32(text[index + 1] & 0x3F) << 12 | UInt32(text[index + 2] & 0x3F) << 6 | UInt32(text[index + 3] & 0x3F)
        }
    }

    private static func firstScalar(of bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            let length = buffer[0] < 0x80 ? 1 : buffer[0] < 0xE0 ? 2 : buffer[0] < 0xF0 ? 3 : 4
            return decode(buffer, at: 0, length: length)
        }
    }
}
