internal import CUTF8Proc
internal import Foundation

/// What the normaliser needs to know of one character.
enum CharacterKind: UInt8 {
    /// A Chinese (Han) character.
    case han
    /// An ASCII letter.
    case letter
    /// Another letter or a digit: part of a word, as an ASCII letter is.
    case alphanumeric
    /// A space, punctuation mark, symbol or emoji that ``Normalization/noise`` may skip.
    case noise
    /// Anything else: line breaks, Chinese sentence punctuation, controls.
    case other

    /// Whether a character of this kind is part of a word (so a letter next to it is not a single letter).
    var isWordCharacter: Bool { self == .letter || self == .alphanumeric }
}

/// The per-character facts and replacements of the normaliser, built once per process from utf8proc
/// (compatibility forms and character categories) and the generated ``FoldingTables``.
final class CharacterFolding: Sendable {
    static let shared = CharacterFolding()

    /// By code point below U+10000: the ``Flag`` bits (read in the normaliser's inner loop, so unchecked).
    let flagTable: FixedBuffer<UInt8>
    /// By ASCII byte: its kind.
    let asciiKinds: FixedBuffer<CharacterKind>
    /// Compatibility forms of letters and digits → their NFKC form (UTF-8), over all planes.
    private let widthForms: [UInt32: CharacterBytes]
    private let simplified: [UInt32: UInt32]
    private let lookAlikes: [UInt32: UInt8]

    enum Flag {
        static let invisible: UInt8 = 1 << 0
        static let width: UInt8 = 1 << 1
        static let traditional: UInt8 = 1 << 2
        static let lookAlike: UInt8 = 1 << 3
        static let noise: UInt8 = 1 << 4
        static let han: UInt8 = 1 << 5
        static let alphanumeric: UInt8 = 1 << 6
    }

    private init() {
        simplified = FoldingTables.pairs(FoldingTables.traditionalToSimplified).reduce(into: [:]) { $0[$1.0.value] = $1.1.value }
        lookAlikes = FoldingTables.pairs(FoldingTables.latinLookAlikes).reduce(into: [:]) { $0[$1.0.value] = UInt8($1.1.value) }
        var widthForms: [UInt32: CharacterBytes] = [:]
        for code in UInt32(0x80)...0x10FFFF where !(0xD800...0xDFFF).contains(code) {
            if let form = Self.compatibilityForm(of: code) { widthForms[code] = form }
        }
        self.widthForms = widthForms
        var flags = [UInt8](repeating: 0, count: 0x10000)
        for code in 0..<0x10000 where !(0xD800...0xDFFF).contains(code) {
            flags[code] = Self.computedFlags(of: UInt32(code), widthForms: widthForms)
                | (simplified[UInt32(code)] != nil ? Flag.traditional : 0) | (lookAlikes[UInt32(code)] != nil ? Flag.lookAlike : 0)
        }
        flagTable = FixedBuffer(flags)
        asciiKinds = FixedBuffer((0..<128).map { Self.asciiKind(UInt8($0)) })
    }

    deinit {
        flagTable.free()
        asciiKinds.free()
    }

    /// The ``Flag`` bits of a character above ASCII.
    @inline(__always)
    func flags(of scalar: UInt32) -> UInt8 {
        scalar < 0x10000 ? flagTable[Int(scalar)] : Self.computedFlags(of: scalar, widthForms: widthForms)
    }

    /// The kind that ``Flag`` bits of a character above ASCII say.
    @inline(__always)
    static func kind(fromFlags flag: UInt8) -> CharacterKind {
        if flag & Flag.han != 0 { return .han }
        if flag & Flag.noise != 0 { return .noise }
        return flag & Flag.alphanumeric != 0 ? .alphanumeric : .other
    }

    /// The character's kind (for a replacement, the kind of what replaces it).
    func kind(of scalar: UInt32) -> CharacterKind {
        scalar < 0x80 ? asciiKinds[Int(scalar)] : Self.kind(fromFlags: flags(of: scalar))
    }

    /// The ``Flag`` bits that call for a step's attention: a character with none of them stays as it is.
    static func attentionFlags(of steps: Normalization) -> UInt8 {
        (steps.contains(.invisible) ? Flag.invisible : 0) | (steps.contains(.width) ? Flag.width : 0)
            | (steps.contains(.traditional) ? Flag.traditional : 0) | (steps.contains(.lookAlikes) ? Flag.lookAlike : 0)
    }

    /// The UTF-8 bytes that replace the character under `steps`, or `nil` if it stays.
    func replacement(of scalar: UInt32, steps: Normalization) -> CharacterBytes? {
        var bytes: CharacterBytes?
        if steps.contains(.width), let form = widthForms[scalar] { bytes = form }
        // The other folds apply to a single character, whether the original or its compatibility form.
        let single = bytes.map { $0.singleScalar } ?? scalar
        if let single {
            if steps.contains(.traditional), let target = simplified[single] { return CharacterBytes(Self.utf8(target)) }
            if steps.contains(.lookAlikes), let target = lookAlikes[single] { return CharacterBytes([target]) }
        }
        return bytes
    }

    /// `pattern` (PCRE2) with each character above ASCII that the steps replace by another character (or
    /// drop) replaced as in the text, so that a pattern written with traditional characters, full-width or
    /// look-alike letters matches the normalised text. Noise skipping, which depends on context, is not
    /// applied; nor is a replacement after a backslash (where ASCII would become an escape) or at the end
    /// of a range in a character class (`[α-ω]` must not become `[a-ω]`).
    func foldingCharacters(ofPattern pattern: String, steps: Normalization) -> String {
        let scalars = Array(pattern.unicodeScalars)
        guard !scalars.allSatisfy(\.isASCII) else { return pattern }
        var result = String.UnicodeScalarView()
        var isInClass = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            defer { index += 1 }
            if scalar == "\\" && index + 1 < scalars.count {
                result.append(scalar)
                result.append(scalars[index + 1])
                index += 1
                continue
            }
            if scalar == "[" { isInClass = true } else if scalar == "]" { isInClass = false }
            let isRangeEnd = isInClass && ((index > 0 && scalars[index - 1] == "-") || (index + 1 < scalars.count && scalars[index + 1] == "-"))
            guard !scalar.isASCII, !isRangeEnd else {
                result.append(scalar)
                continue
            }
            if steps.contains(.invisible) && flags(of: scalar.value) & Flag.invisible != 0 { continue }
            if let replacement = replacement(of: scalar.value, steps: steps) {
                var bytes: [UInt8] = []
                replacement.append(to: &bytes)
                result.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    // MARK: - Building

    /// The NFKC form of a character with a compatibility decomposition, if that form is made of letters
    /// and digits only (so punctuation and symbols keep their forms).
    private static func compatibilityForm(of code: UInt32) -> CharacterBytes? {
        guard let property = utf8proc_get_property(Int32(code)), property.pointee.decomp_type != 0 else { return nil }
        let source = Self.utf8(code)
        guard let mapped = source.withUnsafeBufferPointer({ utf8proc_NFKC(Self.terminated($0)) }) else { return nil }
        defer { free(mapped) }
        let form = Array(UnsafeBufferPointer(start: mapped, count: strlen(UnsafeRawPointer(mapped).assumingMemoryBound(to: CChar.self))))
        guard !form.isEmpty, form.count <= CharacterBytes.capacity, form != source else { return nil }
        let scalars = String(decoding: form, as: UTF8.self).unicodeScalars
        let isLetterOrDigit = scalars.allSatisfy { scalar in
            let category = utf8proc_category(Int32(scalar.value))
            return (UTF8PROC_CATEGORY_LU.rawValue...UTF8PROC_CATEGORY_LO.rawValue).contains(category.rawValue)
                || (UTF8PROC_CATEGORY_ND.rawValue...UTF8PROC_CATEGORY_NO.rawValue).contains(category.rawValue)
        }
        return isLetterOrDigit ? CharacterBytes(form) : nil
    }

    private static func terminated(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] { Array(bytes) + [0] }

    private static func isInvisible(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B...0x180F, 0x200B...0x200F, 0x202A...0x202E,
             0x2060...0x2064, 0x2066...0x206F, 0x3164, 0xFE00...0xFE0F, 0xFEFF, 0xFFA0, 0x1D173...0x1D17A,
             0xE0000...0xE007F, 0xE0100...0xE01EF:
            true
        default:
            false
        }
    }

    /// The flags of a character computed from its properties (the traditional and look-alike tables are
    /// not consulted: no character outside the Basic Multilingual Plane is in them).
    private static func computedFlags(of scalar: UInt32, widthForms: [UInt32: CharacterBytes]) -> UInt8 {
        var flag: UInt8 = isInvisible(scalar) ? Flag.invisible : 0
        if widthForms[scalar] != nil { flag |= Flag.width }
        switch computedKind(of: scalar) {
        case .noise: flag |= Flag.noise
        case .han: flag |= Flag.han
        case .alphanumeric, .letter: flag |= Flag.alphanumeric
        case .other: break
        }
        return flag
    }

    private static func asciiKind(_ byte: UInt8) -> CharacterKind {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): .letter
        // An apostrophe joins a contraction (`don't`): the letter after it is not a single letter.
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "'"): .alphanumeric
        // Sentence punctuation (`,;:!?"()`) is not noise: Chinese answers often use the ASCII forms.
        case UInt8(ascii: "!"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ":"),
             UInt8(ascii: ";"), UInt8(ascii: "?"):
            .other
        case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x21...0x26, 0x28...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: .noise
        default: .other
        }
    }

    private static func computedKind(of scalar: UInt32) -> CharacterKind {
        if scalar < 0x80 { return asciiKind(UInt8(scalar)) }
        switch scalar {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F:
            return .han
        // Chinese sentence punctuation and quotes: not noise, so that clauses are not joined.
        case 0x2019:
            return .alphanumeric  // the typographic apostrophe, as `'`
        case 0x2014, 0x2015, 0x2018, 0x201C, 0x201D, 0x2026, 0x2028, 0x2029, 0x3001...0x303F,
             0xFE10...0xFE1F, 0xFE30...0xFE6F, 0xFF01...0xFF0F, 0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65:
            return .other
        default:
            break
        }
        let category = utf8proc_category(Int32(scalar)).rawValue
        switch category {
        case UTF8PROC_CATEGORY_LU.rawValue...UTF8PROC_CATEGORY_LO.rawValue, UTF8PROC_CATEGORY_MN.rawValue...UTF8PROC_CATEGORY_ME.rawValue,
             UTF8PROC_CATEGORY_ND.rawValue...UTF8PROC_CATEGORY_NO.rawValue:
            return .alphanumeric
        case UTF8PROC_CATEGORY_PC.rawValue...UTF8PROC_CATEGORY_PO.rawValue, UTF8PROC_CATEGORY_SM.rawValue...UTF8PROC_CATEGORY_SO.rawValue,
             UTF8PROC_CATEGORY_ZS.rawValue:
            return .noise
        default:
            return .other
        }
    }

    private static func utf8(_ scalar: UInt32) -> [UInt8] { Array(String(Unicode.Scalar(scalar)!).utf8) }
}

extension FoldingTables {
    /// The (source, target) pairs of one of the tables.
    static func pairs(_ table: String) -> [(Unicode.Scalar, Unicode.Scalar)] {
        let scalars = Array(table.unicodeScalars.filter { $0 != "\n" })
        return stride(from: 0, to: scalars.count - 1, by: 2).map { (scalars[$0], scalars[$0 + 1]) }
    }
}

/// The UTF-8 bytes of one character, or of a short replacement: at most ``capacity`` bytes, kept inline.
struct CharacterBytes: Equatable {
    static let capacity = 8
    private var packed: UInt64 = 0
    private(set) var count = 0

    init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count <= Self.capacity, "at most \(Self.capacity) bytes")
        for byte in bytes.reversed() { packed = packed << 8 | UInt64(byte) }
        count = bytes.count
    }

    /// Appends the bytes to `array`.
    @inline(__always)
    func append(to array: inout [UInt8]) {
        var value = packed
        for _ in 0..<count {
            array.append(UInt8(truncatingIfNeeded: value))
            value >>= 8
        }
    }

    /// The code point of the first character.
    var firstScalar: UInt32 {
        withUnsafeBytes(of: packed.littleEndian) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return bytes.scalar(at: 0, length: UTF8Repairer.sequenceLength(ofCharacterStartingWith: bytes[0]))
        }
    }

    /// The code point, if the bytes are one character.
    var singleScalar: UInt32? {
        UTF8Repairer.sequenceLength(ofCharacterStartingWith: UInt8(truncatingIfNeeded: packed)) == count ? firstScalar : nil
    }
}
