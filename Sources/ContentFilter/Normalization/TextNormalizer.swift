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
    /// The most characters kept waiting (pending, and invisible characters read meanwhile): beyond it the
    /// oldest are decided as if the text ended there.
    private static let maximumPending = 16

    /// One character read: where it lies in the original, its bytes in the view (replaced or not), its kind.
    private struct Entry {
        var original: Int
        var originalLength: Int
        var bytes: CharacterBytes?
        var kind: CharacterKind
        /// For a leetspeak digit that may stand for a letter: that letter (else 0).
        var leetLetter: UInt8 = 0
    }

    /// Characters read but not yet written to the view.
    private var pending: [Entry] = []
    /// Invisible characters read since `pending` last was empty: they are dropped, but recorded only once
    /// the characters before them are decided, so they wait too.
    private var invisiblesWhilePending = 0
    /// How many characters wait for what follows.
    private var waitingCount: Int { pending.count + invisiblesWhilePending }
    /// The original offset of the next character to read.
    private(set) var originalCount = 0
    /// The view offset of the next byte to write.
    private(set) var viewCount = 0
    /// The original offset after the last character written or dropped as noise.
    private var nextOriginal = 0
    /// What the decisions need to know of the characters written or dropped so far.
    private var context = Context()
    /// The noise between the letters of the chain of single letters being joined (`s e x`: a space).
    private var letterGap: [UInt8] = []

    /// The ``CharacterFolding/Flag`` bits that call for the steps' attention, and whether noise is skipped.
    private let attentionFlags: UInt8
    private let skipsNoise: Bool
    private let foldsLeet: Bool
    /// ``CharacterFolding``'s tables, held here so the inner loop reads them directly.
    private let flagTable: FixedBuffer<UInt8>
    private let asciiKinds: FixedBuffer<CharacterKind>

    init(steps: Normalization) {
        self.steps = steps.textSteps
        attentionFlags = CharacterFolding.attentionFlags(of: steps)
        skipsNoise = steps.contains(.noise)
        foldsLeet = steps.contains(.leet)
        flagTable = folding.flagTable
        asciiKinds = folding.asciiKinds
    }

    /// The original offset before which every character is written to the view (or dropped). While a
    /// character waits, that is the end of the last one decided: invisible characters read after it are
    /// recorded as dropped only with the next character decided.
    var settledOriginal: Int { pending.isEmpty ? originalCount : nextOriginal }

    /// Reads `text` (valid UTF-8, whole characters) and appends its view to `view`, apart from what stays
    /// pending.
    mutating func append(_ text: UnsafeBufferPointer<UInt8>, into view: inout [UInt8], offsets: inout ViewOffsets) {
        // Characters that no step changes, and that decide nothing pending, are copied a run at a time.
        var runStart = 0
        var index = 0
        var context = self.context
        defer { self.context = context }
        var isPendingEmpty = pending.isEmpty
        while index < text.count {
            let first = text[index]
            var length = 1
            var kind: CharacterKind
            var flags: UInt8 = 0
            if first < 0x80 {
                if isPendingEmpty {
                    let end = skipCleanASCII(text, from: index, context: &context)
                    if end > index {
                        index = end
                        continue
                    }
                }
                kind = asciiKinds[Int(first)]
                if foldsLeet && Self.leetLetter(of: first) != 0 && context.mayStartLeet && !isKeptDigit(text, at: index) {
                    copyRun(text, from: runStart, to: index, into: &view, offsets: &offsets)
                    self.context = context
                    read(text, at: index, length: 1, kind: kind, flags: 0, into: &view, offsets: &offsets)
                    context = self.context
                    isPendingEmpty = pending.isEmpty
                    index += 1
                    runStart = index
                    continue
                }
                if kind.isWordCharacter && isPendingEmpty {
                    // A word: only its first character and its last two tell the next decisions anything.
                    context.note(kind)
                    index = skipWord(text, from: index + 1, context: &context)
                    continue
                }
            } else {
                length = UTF8Repairer.sequenceLength(ofCharacterStartingWith: first)
                flags = self.flags(of: text.scalar(at: index, length: length))
                kind = CharacterFolding.kind(fromFlags: flags)
            }
            if flags & attentionFlags == 0 && isPendingEmpty
                && !(kind == .noise && skipsNoise && context.mayBeSkipped && !isKeptNoise(text, at: index, context: context)) {
                context.note(kind)
                index += length
                // A run of Chinese characters that no step changes tells the decisions nothing more.
                if kind == .han { index = skipHan(text, from: index) }
                continue
            }
            copyRun(text, from: runStart, to: index, into: &view, offsets: &offsets)
            self.context = context
            read(text, at: index, length: length, kind: kind, flags: flags, into: &view, offsets: &offsets)
            context = self.context
            isPendingEmpty = pending.isEmpty
            index += length
            runStart = index
        }
        copyRun(text, from: runStart, to: text.count, into: &view, offsets: &offsets)
        originalCount += text.count
    }

    /// Takes the ASCII bytes from `start`, six at a time, as long as no noise among them could be skipped
    /// (no noise follows a one-letter word) and no digit among them could be leetspeak, and returns where it
    /// stopped, with `context` as noting each byte would leave it. The two bytes before each block are read
    /// as its context.
    @inline(__always)
    private func skipCleanASCII(_ text: UnsafeBufferPointer<UInt8>, from start: Int, context: inout Context) -> Int {
        guard !context.skippedLetterGap else { return start }
        let high: UInt64 = 0x8080_8080_8080_8080
        let newBytes: UInt64 = 0x8080_8080_8080_0000
        /// The high bit of each byte of `value` that lies in `low...top`.
        func inRange(_ value: UInt64, _ low: UInt8, _ top: UInt8) -> UInt64 {
            let atLeast = value &+ UInt64(0x80 - low) &* 0x0101_0101_0101_0101
            let above = value &+ UInt64(0x7F - top) &* 0x0101_0101_0101_0101
            return atLeast & ~above & high
        }
        var index = start
        // The letter and word masks of the last block that held a letter, and where that block starts.
        var lastLetterBlock = (start: -1, letters: UInt64(0), words: UInt64(0))
        while index >= 2 && index + 6 <= text.count {
            let bytes = UnsafeRawPointer(text.baseAddress! + index - 2).loadUnaligned(as: UInt64.self)
            guard bytes & high == 0 else { break }
            let letters = inRange(bytes | 0x2020_2020_2020_2020, 0x61, 0x7A)
            let digits = inRange(bytes, 0x30, 0x39)
            let words = letters | digits | inRange(bytes, 0x27, 0x27)
            if foldsLeet {
                // A leet digit next to a letter, or at the end of the block (the byte after it is out of view).
                let leetDigits = inRange(bytes, 0x30, 0x31) | inRange(bytes, 0x33, 0x35) | inRange(bytes, 0x37, 0x37)
                if leetDigits & ((letters << 8) | (letters >> 8)) & newBytes != 0 || leetDigits >> 63 != 0 { break }
            }
            // A byte that is not part of a word, after a letter with no word character before it.
            guard ~words & (letters << 8) & (~words << 16) & newBytes == 0 else { break }
            if letters & newBytes != 0 { lastLetterBlock = (index, letters, words) }
            index += 6
        }
        guard index > start else { return start }
        var position = index - 1
        while position >= start && asciiKinds[Int(text[position])] == .noise { position -= 1 }
        if position >= start { context.previousWordKind = asciiKinds[Int(text[position])] }
        if lastLetterBlock.start >= 0 {
            // The last letter: whether a word character comes right before it.
            let lastLetter = (63 - (lastLetterBlock.letters & newBytes).leadingZeroBitCount) / 8
            let startsAlone = (lastLetterBlock.words >> (8 * (lastLetter - 1))) & 0x80 == 0
            context.lastLetterStartsAlone = startsAlone
            context.letterChain = startsAlone ? 1 : 0
        }
        context.previousKind = asciiKinds[Int(text[index - 1])]
        return index
    }

    /// Reads on over the ASCII word characters from `start` (the first of the word is already noted) and
    /// returns where they end, with `context` as noting each would leave it.
    @inline(__always)
    private func skipWord(_ text: UnsafeBufferPointer<UInt8>, from start: Int, context: inout Context) -> Int {
        var end = start
        var kinds: UInt8 = 0
        while end < text.count && text[end] < 0x80 {
            let kind = asciiKinds[Int(text[end])]
            guard kind.isWordCharacter, !(foldsLeet && Self.leetLetter(of: text[end]) != 0) else { break }
            kinds |= 1 << kind.rawValue
            end += 1
        }
        guard end > start else { return end }
        // Every letter after the first has a word character before it: not single, no chain.
        if kinds & (1 << CharacterKind.letter.rawValue) != 0 {
            context.lastLetterStartsAlone = false
            context.letterChain = 0
        }
        if kinds & (1 << CharacterKind.alphanumeric.rawValue) != 0 { context.skippedLetterGap = false }
        let last = asciiKinds[Int(text[end - 1])]
        context.previousKind = last
        context.previousWordKind = last
        return end
    }

    /// Reads on over the three-byte Chinese characters from `start` that no step changes, and returns where
    /// they end (noting them would leave the context as the first one did).
    @inline(__always)
    private func skipHan(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index + 3 <= text.count && text[index] & 0xF0 == 0xE0 {
            let flags = self.flags(of: text.scalar(at: index, length: 3))
            guard flags & attentionFlags == 0 && CharacterFolding.kind(fromFlags: flags) == .han else { break }
            index += 3
        }
        return index
    }

    /// Whether the leetspeak digit at `index` stays a digit whatever follows the text: its run of digits is
    /// followed, in `text`, by something other than a letter.
    private func isKeptDigit(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var position = index
        while position < text.count && Self.leetLetter(of: text[position]) != 0 { position += 1 }
        guard position < text.count, text[position] < 0x80 else { return false }
        return asciiKinds[Int(text[position])] != .letter
    }

    /// Whether the noise character at `index`, which could be skipped, is kept whatever follows the text:
    /// what comes after its run in `text` already rules a skip out. Most noise after a Chinese character or
    /// a one-letter word is settled here, without the pending machinery.
    private func isKeptNoise(_ text: UnsafeBufferPointer<UInt8>, at index: Int, context: Context) -> Bool {
        let afterHan = context.previousWordKind == .han
        var position = index
        var runLength = 0
        while true {
            guard position < text.count, let (kind, length) = plainKindAndLength(in: text, at: position) else { return false }
            if kind != .noise { break }
            runLength += 1
            if runLength > (afterHan ? Self.maximumHanGap : Self.maximumLetterGap) { return true }
            position += length
        }
        guard let (next, nextLength) = plainKindAndLength(in: text, at: position) else { return false }
        if afterHan { return next != .han }
        guard next == .letter else { return true }
        let after = position + nextLength
        guard after < text.count, let (afterKind, _) = plainKindAndLength(in: text, at: after) else { return false }
        return afterKind.isWordCharacter
    }

    /// The kind and length of the character at `index`, or `nil` if a step may change it (then only the
    /// full machinery decides).
    @inline(__always)
    private func plainKindAndLength(in text: UnsafeBufferPointer<UInt8>, at index: Int) -> (CharacterKind, Int)? {
        let first = text[index]
        guard first >= 0x80 else { return (asciiKinds[Int(first)], 1) }
        let length = UTF8Repairer.sequenceLength(ofCharacterStartingWith: first)
        let flags = self.flags(of: text.scalar(at: index, length: length))
        return flags & attentionFlags != 0 ? nil : (CharacterFolding.kind(fromFlags: flags), length)
    }

    /// Writes `text[start..<end]`, characters that stay as they are, to the view.
    @inline(__always)
    private mutating func copyRun(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                                  into view: inout [UInt8], offsets: inout ViewOffsets) {
        guard end > start else { return }
        view.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<end]))
        viewCount += end - start
        nextOriginal = originalCount + end
    }

    /// Reads one character that a step may change or that noise skipping must look at.
    private mutating func read(_ text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int, kind: CharacterKind, flags: UInt8,
                               into view: inout [UInt8], offsets: inout ViewOffsets) {
        let original = originalCount + index
        if flags & attentionFlags & CharacterFolding.Flag.invisible != 0 {
            if !pending.isEmpty {
                invisiblesWhilePending += 1
                if waitingCount > Self.maximumPending { settle(final: false, into: &view, offsets: &offsets) }
            }
            // Recorded at once when nothing is pending, so that the view is complete up to here.
            if pending.isEmpty {
                offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: original + length - nextOriginal)
                nextOriginal = original + length
            }
            return
        }
        var entry = Entry(original: original, originalLength: length, bytes: nil, kind: kind)
        if flags & attentionFlags != 0, let replacement = folding.replacement(of: text.scalar(at: index, length: length), steps: steps) {
            entry.bytes = replacement
            entry.kind = folding.kind(of: replacement.firstScalar)
        }
        if foldsLeet && length == 1 && (!pending.isEmpty || context.mayStartLeet) { entry.leetLetter = Self.leetLetter(of: text[index]) }
        if pending.isEmpty && entry.leetLetter == 0 && !(skipsNoise && entry.kind == .noise && context.mayBeSkipped) {
            write(entry, from: text, at: index, into: &view, offsets: &offsets)
        } else {
            if entry.bytes == nil { entry.bytes = CharacterBytes(text[index..<(index + length)]) }
            if pending.isEmpty { invisiblesWhilePending = 0 }
            pending.append(entry)
            settle(final: false, into: &view, offsets: &offsets)
        }
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

    /// What noise decisions need to know of the characters before: the kinds of the last one and of the last
    /// that was not noise, and of the last letter whether it had no word character before it (it is a single
    /// letter if none follows either) and how many single letters, joined across skipped gaps, end with it.
    private struct Context {
        var previousKind = CharacterKind.other
        var previousWordKind = CharacterKind.other
        var lastLetterStartsAlone = false
        var letterChain = 0
        /// Whether the last noise run was skipped between single letters.
        var skippedLetterGap = false

        /// Whether a noise character read now could start a skipped run: it directly follows a Chinese
        /// character or a letter that may be single (noise after noise that was kept is kept too).
        @inline(__always)
        var mayBeSkipped: Bool { previousKind == .han || (previousKind == .letter && lastLetterStartsAlone) }

        /// Whether a leetspeak digit read now could stand for a letter: it follows a letter, or starts a word.
        @inline(__always)
        var mayStartLeet: Bool { previousKind == .letter || !previousKind.isWordCharacter }

        /// Takes in a character written to the view.
        @inline(__always)
        mutating func note(_ kind: CharacterKind) {
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
    }

    private enum Decision { case skip, keep, wait }

    /// Writes or drops pending characters, front first, as far as what has been read decides them.
    private mutating func settle(final: Bool, into view: inout [UInt8], offsets: inout ViewOffsets) {
        while let front = pending.first {
            if front.leetLetter != 0 {
                guard let standsForLetters = decideLeet(final: final || waitingCount > Self.maximumPending) else { return }
                let run = pending.firstIndex { $0.leetLetter == 0 } ?? pending.count
                for _ in 0..<run {
                    var entry = pending.removeFirst()
                    if standsForLetters {
                        entry.bytes = CharacterBytes([entry.leetLetter])
                        entry.kind = .letter
                    }
                    entry.leetLetter = 0
                    write(entry, into: &view, offsets: &offsets)
                }
                continue
            }
            if front.kind != .noise {
                write(pending.removeFirst(), into: &view, offsets: &offsets)
                continue
            }
            let runLength = pending.firstIndex { $0.kind != .noise } ?? pending.count
            var decision = decideRun(of: runLength, final: final)
            if decision == .wait && waitingCount > Self.maximumPending { decision = decideRun(of: runLength, final: true) }
            switch decision {
            case .wait:
                return
            case .skip:
                context.skippedLetterGap = context.previousWordKind == .letter
                if context.skippedLetterGap { letterGap = gapBytes(0..<runLength) }
                for _ in 0..<runLength { drop(pending.removeFirst(), offsets: &offsets) }
            case .keep:
                context.skippedLetterGap = false
                for _ in 0..<runLength { write(pending.removeFirst(), into: &view, offsets: &offsets) }
            }
        }
    }

    /// Whether the noise run of `length` characters at the front of `pending` is skipped.
    private func decideRun(of length: Int, final: Bool) -> Decision {
        // What follows the run, and whether it is known yet.
        func next(_ index: Int) -> Entry?? { index < pending.count ? .some(pending[index]) : (final ? .some(nil) : nil) }
        if context.previousWordKind == .han {
            guard length <= Self.maximumHanGap, let after = next(length) else { return length > Self.maximumHanGap ? .keep : .wait }
            return after?.kind == .han ? .skip : .keep
        }
        guard context.previousWordKind == .letter, context.lastLetterStartsAlone, length <= Self.maximumLetterGap else { return .keep }
        // The letter after the run must be single too, the chain of single letters at least three long, and
        // its gaps alike ("s e x", "f.u.c.k"), so that "s e x, f" does not run on into the next word.
        let gap = gapBytes(0..<length)
        if context.letterChain >= 2 && gap != letterGap { return .keep }
        var chain = context.letterChain
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

    /// Whether the run of leetspeak digits at the front of `pending` stands for letters: a letter follows it,
    /// and either a letter comes before it or it starts a word of two letters or more that is not an ordinal
    /// (`1st`, `4th`). `nil` until what follows decides.
    private func decideLeet(final: Bool) -> Bool? {
        let run = pending.firstIndex { $0.leetLetter == 0 } ?? pending.count
        /// The kind of the pending character at `index`: `.some(nil)` past the end of a finished text, `nil`
        /// when it has not been read yet.
        func kind(_ index: Int) -> CharacterKind?? { index < pending.count ? .some(pending[index].kind) : (final ? .some(nil) : nil) }
        guard let next = kind(run) else { return nil }
        guard next == .letter else { return false }
        if context.previousKind == .letter { return true }
        guard let second = kind(run + 1) else { return nil }
        guard second == .letter else { return false }
        guard let third = kind(run + 2) else { return nil }
        var suffix: [UInt8] = []
        pending[run].bytes?.append(to: &suffix)
        pending[run + 1].bytes?.append(to: &suffix)
        let isOrdinal = ["st", "nd", "rd", "th"].contains(String(decoding: suffix.map(Literal.fold), as: UTF8.self))
            && !(third?.isWordCharacter ?? false)
        return !isOrdinal
    }

    /// The bytes of pending noise characters.
    private func gapBytes(_ range: Range<Int>) -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in pending[range] { entry.bytes?.append(to: &bytes) }
        return bytes
    }

    // MARK: - Writing

    private mutating func write(_ entry: Entry, from text: UnsafeBufferPointer<UInt8>? = nil, at position: Int = 0,
                                into view: inout [UInt8], offsets: inout ViewOffsets) {
        if nextOriginal < entry.original {
            offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: entry.original - nextOriginal)
        }
        let viewLength: Int
        if let bytes = entry.bytes {
            bytes.append(to: &view)
            viewLength = bytes.count
        } else {
            view.append(contentsOf: text![position..<position + entry.originalLength])
            viewLength = entry.originalLength
        }
        // A character replaced by several is recorded even at the same length (Ǌ reads NJ), so that no span
        // of the view maps to a span that ends inside it.
        if viewLength != entry.originalLength || entry.bytes.map({ $0.singleScalar == nil }) == true {
            offsets.record(view: viewCount, original: entry.original, viewLength: viewLength, originalLength: entry.originalLength)
        }
        viewCount += viewLength
        nextOriginal = entry.original + entry.originalLength
        context.note(entry.kind)
    }

    private mutating func drop(_ entry: Entry, offsets: inout ViewOffsets) {
        offsets.record(view: viewCount, original: nextOriginal, viewLength: 0, originalLength: entry.original + entry.originalLength - nextOriginal)
        nextOriginal = entry.original + entry.originalLength
        context.previousKind = .noise
    }

    /// The letter a leetspeak digit stands for, or 0.
    @inline(__always)
    private static func leetLetter(of byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0"): UInt8(ascii: "o")
        case UInt8(ascii: "1"): UInt8(ascii: "i")
        case UInt8(ascii: "3"): UInt8(ascii: "e")
        case UInt8(ascii: "4"): UInt8(ascii: "a")
        case UInt8(ascii: "5"): UInt8(ascii: "s")
        case UInt8(ascii: "7"): UInt8(ascii: "t")
        default: 0
        }
    }

    /// The ``CharacterFolding/Flag`` bits of a character above ASCII, read from the table held here.
    @inline(__always)
    private func flags(of scalar: UInt32) -> UInt8 {
        scalar < 0x10000 ? flagTable[Int(scalar)] : folding.flags(of: scalar)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The code point of the valid UTF-8 character of `length` bytes at `index`.
    @inline(__always)
    func scalar(at index: Int, length: Int) -> UInt32 {
        let first = UInt32(self[index])
        switch length {
        case 1: return first
        case 2: return (first & 0x1F) << 6 | UInt32(self[index + 1] & 0x3F)
        case 3: return (first & 0x0F) << 12 | UInt32(self[index + 1] & 0x3F) << 6 | UInt32(self[index + 2] & 0x3F)
        default:
            return (first & 0x07) << 18 | UInt32(self[index + 1] & 0x3F) << 12 | UInt32(self[index + 2] & 0x3F) << 6 | UInt32(self[index + 3] & 0x3F)
        }
    }
}
