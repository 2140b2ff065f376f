internal import CPCRE2

/// Options a rule can ask for when its pattern is compiled. UTF mode is always on.
struct PCRE2CompileOptions: Sendable, Hashable {
    var caseless = false
    /// Unicode properties for `\w`, `\b`, `\d` and case folding beyond ASCII.
    var ucp = false

    var rawValue: UInt32 {
        // USE_OFFSET_LIMIT lets the prefilter confine a search to matches that start by a given offset.
        var options = UInt32(PCRE2_UTF) | UInt32(PCRE2_NEVER_BACKSLASH_C) | UInt32(PCRE2_USE_OFFSET_LIMIT)
        if caseless { options |= UInt32(PCRE2_CASELESS) }
        if ucp { options |= UInt32(PCRE2_UCP) }
        return options
    }
}

/// The outcome of one search.
enum PCRE2SearchResult: Equatable {
    /// A complete match over these byte offsets of the subject.
    case match(Range<Int>)
    /// The subject ended inside a possible match that starts at this offset (`PCRE2_PARTIAL_HARD` only).
    case partial(start: Int)
    case noMatch
    /// The search failed, e.g. on a resource limit.
    case failure(PCRE2Error)
}

/// A compiled, JIT-compiled PCRE2 pattern. Immutable once built.
///
/// Usually one `pcre2_code`. A pattern made of alternatives that together are larger than PCRE2 compiles
/// (its 16-bit internal links cap a compiled pattern at 64K code units: a word list of thousands of words)
/// is compiled as consecutive runs of its alternatives, searched so that the result is the one pattern's:
/// the leftmost result of any part, and at one start the earliest part's, as PCRE2 tries alternatives in
/// order at each start.
///
/// Owns its codes. `@unchecked Sendable`: PCRE2 documents compiled code (JIT included) as safe to use from
/// many threads at once once compilation has finished; every search brings its own match data.
final class PCRE2Pattern: @unchecked Sendable {
    /// The compiled parts, in the order of the alternatives they hold.
    private let codes: [OpaquePointer]
    /// The longest lookbehind of the pattern, in characters (`\b` counts as one).
    let maximumLookbehind: Int
    /// The bytes a match can start with, when PCRE2 knows them (its own start-of-match optimisation).
    let startBytes: ByteSet?

    /// - Parameter jit: also JIT-compile; `false` when the pattern is only being checked.
    convenience init(_ pattern: String, options: PCRE2CompileOptions, jit: Bool = true) throws(PCRE2CompileError) {
        try self.init(codes: [Self.compile(pattern, options: options, jit: jit)])
    }

    /// Compiles the pattern ``alternation(of:)`` writes for `alternatives`, in parts if PCRE2 finds it too large.
    convenience init(alternatives: [String], options: PCRE2CompileOptions) throws(PCRE2CompileError) {
        try self.init(codes: Self.compileParts(alternatives[...], options: options))
    }

    /// The pattern ``alternation(of:)`` writes for `alternatives`, compiled one alternative per part, so that a
    /// search can leave out alternatives (see ``search(_:from:partial:startsInsideText:latestStart:parts:scratch:)``).
    /// JIT-compiled for partial searches only.
    convenience init(eachOf alternatives: [String], options: PCRE2CompileOptions) throws(PCRE2CompileError) {
        var codes: [OpaquePointer] = []
        do {
            for alternative in alternatives { codes.append(try Self.compile(alternative, options: options, jit: true, jitModes: UInt32(PCRE2_JIT_PARTIAL_HARD))) }
        } catch {
            codes.forEach { pcre2_code_free_8($0) }
            throw error
        }
        self.init(codes: codes)
    }

    private init(codes: [OpaquePointer]) {
        self.codes = codes
        maximumLookbehind = codes.map { code in
            var lookbehind: UInt32 = 0
            pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_MAXLOOKBEHIND), &lookbehind)
            return Int(lookbehind)
        }.max()!
        startBytes = codes.dropFirst().reduce(Self.startBytes(of: codes[0])) { bytes, code in
            bytes.flatMap { bytes in Self.startBytes(of: code).map(bytes.union) }
        }
    }

    /// `alternatives` as one pattern: the only one as it is, else each in a group, joined by `|`.
    static func alternation(of alternatives: some Collection<String>) -> String {
        alternatives.count == 1 ? alternatives.first! : alternatives.map { "(?:\($0))" }.joined(separator: "|")
    }

    private static func compile(
        _ pattern: String, options: PCRE2CompileOptions, jit: Bool,
        jitModes: UInt32 = UInt32(PCRE2_JIT_COMPLETE) | UInt32(PCRE2_JIT_PARTIAL_HARD)
    ) throws(PCRE2CompileError) -> OpaquePointer {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.utf8CString.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) {
                pcre2_compile_8($0.baseAddress, $0.count - 1, options.rawValue, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw PCRE2CompileError(error: PCRE2Error(code: errorCode), offset: errorOffset)
        }
        // JIT failure (e.g. no JIT on this platform) leaves the interpreter, which gives the same results.
        if jit { _ = pcre2_jit_compile_8(compiled, jitModes) }
        return compiled
    }

    /// The alternatives compiled as one pattern, or, if PCRE2 finds that too large, each half in parts.
    private static func compileParts(_ alternatives: ArraySlice<String>, options: PCRE2CompileOptions) throws(PCRE2CompileError) -> [OpaquePointer] {
        do {
            return [try compile(alternation(of: alternatives), options: options, jit: true)]
        } catch where error.error.code == PCRE2_ERROR_PATTERN_TOO_LARGE && alternatives.count > 1 {
            let middle = alternatives.startIndex + alternatives.count / 2
            let first = try compileParts(alternatives[..<middle], options: options)
            do {
                return try first + compileParts(alternatives[middle...], options: options)
            } catch {
                first.forEach { pcre2_code_free_8($0) }
                throw error
            }
        }
    }

    /// PCRE2's start-of-match information as a byte set: its bitmap of first code units, or its one first
    /// code unit (with its other cases, which PCRE2 may or may not accept there: a superset is safe).
    private static func startBytes(of code: OpaquePointer) -> ByteSet? {
        var bitmap: UnsafePointer<UInt8>?
        if pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap) == 0, let bitmap {
            var set = ByteSet()
            for byte in 0...255 where bitmap[byte >> 3] & (1 << (byte & 7)) != 0 { set.insert(UInt8(byte)) }
            return set
        }
        var type: UInt32 = 0, unit: UInt32 = 0
        guard pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type) == 0, type == 1,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit) == 0, unit <= 0xFF
        else { return nil }
        return ByteSet([UInt8(unit)]).withCaseVariants
    }

    deinit { codes.forEach { pcre2_code_free_8($0) } }

    /// Searches `subject[..<length]` from `startOffset` for the leftmost match that is not empty.
    ///
    /// - Parameters:
    ///   - subject: valid UTF-8 (not checked again: callers validate once).
    ///   - partial: use `PCRE2_PARTIAL_HARD`, so that a match the end of the subject could still change is
    ///     reported as `.partial`.
    ///   - startsInsideText: the subject is a window that begins after the start of the text, so `^` must not
    ///     match at its first byte (`PCRE2_NOTBOL`).
    ///   - latestStart: if given, only matches that start at or before this offset count.
    ///   - parts: the parts to search, bit `i` for part `i` (part 63 and later: bit 63); the others must be
    ///     known to have no match or partial match from `startOffset` on.
    func search(
        _ subject: UnsafeBufferPointer<UInt8>,
        from startOffset: Int,
        partial: Bool,
        startsInsideText: Bool = false,
        latestStart: Int? = nil,
        parts: UInt64 = .max,
        scratch: PCRE2MatchScratch
    ) -> PCRE2SearchResult {
        var options = UInt32(PCRE2_NO_UTF_CHECK) | UInt32(PCRE2_NOTEMPTY)
        if partial { options |= UInt32(PCRE2_PARTIAL_HARD) }
        if startsInsideText { options |= UInt32(PCRE2_NOTBOL) }
        guard codes.count > 1 || parts & 1 == 0 else {
            return Self.search(codes[0], subject, from: startOffset, options: options, latestStart: latestStart, scratch: scratch)
        }
        return search(parts: parts, of: subject, from: startOffset, options: options, latestStart: latestStart, scratch: scratch)
    }

    /// ``search(_:from:partial:startsInsideText:latestStart:parts:scratch:)`` of the parts `parts` of a pattern of
    /// several. (Not inlined: the callers of the one-part search stay small.)
    @inline(never)
    private func search(parts: UInt64, of subject: UnsafeBufferPointer<UInt8>, from startOffset: Int, options: UInt32, latestStart: Int?,
                        scratch: PCRE2MatchScratch) -> PCRE2SearchResult {
        // A later part only counts with a result that starts before the best so far (at the same start, the
        // earlier part's alternatives come first).
        var best = PCRE2SearchResult.noMatch
        var latestStart = latestStart
        // The parts in order, by their bits (a rule may have dozens of parts, of which a window wants a few).
        var remaining = codes.count >= 64 ? parts : parts & (1 << UInt64(codes.count) - 1)
        searching: while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            for index in bit < 63 ? bit..<bit + 1 : 63..<codes.count {
                let result = Self.search(codes[index], subject, from: startOffset, options: options, latestStart: latestStart, scratch: scratch)
                let start: Int
                switch result {
                case .match(let range): start = range.lowerBound
                case .partial(let partialStart): start = partialStart
                case .noMatch: continue
                case .failure: return result
                }
                guard start <= latestStart ?? .max else { continue }
                best = result
                if start == startOffset { break searching }
                latestStart = start - 1
            }
        }
        return best
    }

    private static func search(
        _ code: OpaquePointer, _ subject: UnsafeBufferPointer<UInt8>, from startOffset: Int, options: UInt32, latestStart: Int?,
        scratch: PCRE2MatchScratch
    ) -> PCRE2SearchResult {
        // An empty buffer may have no base address; PCRE2 accepts any pointer for a zero-length subject.
        let base = subject.baseAddress ?? UnsafePointer(bitPattern: 1)!
        scratch.setLatestStart(latestStart)
        // The JIT's own entry skips `pcre2_match`'s checks of its arguments (a few hundred instructions a call),
        // which hold here: the subject is valid UTF-8 and the options are ones the JIT takes. It declines a
        // pattern not compiled by the JIT for this mode; `pcre2_match` runs that one, and reports a bad offset.
        var rc = startOffset <= subject.count
            ? pcre2_jit_match_8(code, base, subject.count, startOffset, options, scratch.matchData, scratch.context)
            : PCRE2_ERROR_JIT_BADOPTION
        if rc == PCRE2_ERROR_JIT_BADOPTION {
            rc = pcre2_match_8(code, base, subject.count, startOffset, options, scratch.matchData, scratch.context)
        }
        let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
        switch rc {
        case 1...: return .match(Int(ovector[0])..<Int(ovector[1]))
        case 0: return .match(Int(ovector[0])..<Int(ovector[1]))  // ovector too small: cannot happen for pair 0
        case PCRE2_ERROR_NOMATCH: return .noMatch
        case PCRE2_ERROR_PARTIAL: return .partial(start: Int(ovector[0]))
        default: return .failure(PCRE2Error(code: rc))
        }
    }
}

/// A set of byte values.
struct ByteSet: Sendable, Hashable {
    private var words = SIMD4<UInt64>()

    init() {}

    init(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { insert(byte) }
    }

    /// Every byte.
    static let all = ByteSet(0...255)
    /// `\w` without Unicode properties.
    static let asciiWordCharacters = ByteSet(Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "A")...UInt8(ascii: "Z"))
                                             + Array(UInt8(ascii: "0")...UInt8(ascii: "9")) + [UInt8(ascii: "_")])

    var isEmpty: Bool { words == SIMD4() }

    /// Every byte not in the set.
    var inverted: ByteSet {
        var inverted = self
        inverted.words = ~words
        return inverted
    }

    /// Whether every byte in the set is ASCII.
    var isASCII: Bool { words[2] == 0 && words[3] == 0 }

    func union(_ other: ByteSet) -> ByteSet {
        var union = self
        union.words |= other.words
        return union
    }

    /// Whether no byte is in both sets.
    func isDisjoint(with other: ByteSet) -> Bool { words & other.words == SIMD4() }

    mutating func insert(_ byte: UInt8) { words[Int(byte >> 6)] |= 1 << UInt64(byte & 63) }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool { words[Int(byte >> 6)] & (1 << UInt64(byte & 63)) != 0 }

    /// Whether a byte of `buffer` from `start` on is in the set.
    func occurs(in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var position = max(start, 0)
        while position < buffer.count {
            if contains(buffer[position]) { return true }
            position &+= 1
        }
        return false
    }
}

/// Resource limits applied to every search, so that no pattern can make a search run away on hostile
/// input. The JIT honours the match limit; the depth and heap limits bound the interpreter.
public struct SearchLimits: Sendable, Hashable {
    /// How many times PCRE2 may call its internal match function in one search.
    public var matchLimit: UInt32
    /// How deep backtracking may nest (interpreter only).
    public var depthLimit: UInt32
    /// Heap memory for backtracking, in KiB (interpreter only).
    public var heapLimitKiB: UInt32

    public init(matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000, heapLimitKiB: UInt32 = 20_000) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.heapLimitKiB = heapLimitKiB
    }
}

/// A PCRE2 match context carrying ``SearchLimits``.
///
/// Owns its `pcre2_match_context`. `@unchecked Sendable`: it is written only in `init`; PCRE2 only reads
/// a match context during a search, so any number of searches may share it.
final class PCRE2MatchContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(limits: SearchLimits) {
        pointer = pcre2_match_context_create_8(nil)!
        pcre2_set_match_limit_8(pointer, limits.matchLimit)
        pcre2_set_depth_limit_8(pointer, limits.depthLimit)
        pcre2_set_heap_limit_8(pointer, limits.heapLimitKiB)
    }

    deinit { pcre2_match_context_free_8(pointer) }
}

/// Per-search scratch: PCRE2 match data (one offset pair) and a match context with the limits.
///
/// Not `Sendable`: one scratch serves one search at a time. Each scan or stream owns its own.
final class PCRE2MatchScratch {
    let matchData: OpaquePointer
    /// A copy of the shared context, so that the offset limit can change per search.
    let context: OpaquePointer
    @exclusivity(unchecked) private var latestStart: Int?

    init(context: PCRE2MatchContext) {
        matchData = pcre2_match_data_create_8(1, nil)!
        self.context = pcre2_match_context_copy_8(context.pointer)!
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
    }

    func setLatestStart(_ offset: Int?) {
        guard offset != latestStart else { return }
        latestStart = offset
        pcre2_set_offset_limit_8(context, offset ?? ~0)
    }
}
