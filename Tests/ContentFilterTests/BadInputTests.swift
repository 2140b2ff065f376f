import ContentFilter
import ContentFilterFuzzing
import Testing

/// Hostile and malformed input: exact outputs and offsets, the same for one chunk and for single bytes.
@Suite struct BadInputTests {
    /// Runs `bytes` through a stream in one chunk and one byte at a time (checking the hold-back cap after every
    /// byte), expects the same output both ways, and returns it.
    static func filterBothWays(_ bytes: [UInt8], configuration: FilterConfiguration = .plain) -> FilterOutput {
        let reference = filterStream([bytes], rules: fixtureRules, configuration: configuration)
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        var output = FilterOutput()
        var heldBackMost = 0
        for byte in bytes {
            filter.feed(CollectionOfOne(byte), into: &output)
            heldBackMost = max(heldBackMost, filter.heldBackByteCount)
        }
        filter.finish(into: &output)
        #expect(heldBackMost <= configuration.maximumHoldBack)
        #expect(output.chunkingInvariantPart == reference.chunkingInvariantPart)
        return reference
    }

    /// Every three-byte form, valid or not, between ASCII letters is repaired as the standard library decodes it
    /// (maximal invalid subparts become U+FFFD), in a stream fed it whole or a byte at a time.
    @Test func threeByteFormsAreRepairedAsTheStandardLibraryDecodesThem() {
        let seconds: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4]
        let thirds: [UInt8] = [0x42, 0x80, 0xBF, 0xC0]
        var checked = 0
        for lead in UInt8(0xE0)...0xEF {
            for second in seconds {
                for third in thirds {
                    let bytes: [UInt8] = [0x61, lead, second, third, 0x62]
                    let output = Self.filterBothWays(bytes)
                    #expect(output.text == String(decoding: bytes, as: UTF8.self), "\(bytes)")
                    checked += 1
                }
            }
        }
        #expect(checked == 640)
    }

    /// Each maximal invalid sequence becomes one U+FFFD (Unicode's and WHATWG's rule), reported with its
    /// original byte span; the offsets of a match after it are offsets in the original bytes.
    @Test(arguments: [
        ([0xC0, 0x80], [0..<1, 1..<2]),                                    // overlong NUL
        ([0xE0, 0x80, 0x80], [0..<1, 1..<2, 2..<3]),                       // overlong 3-byte form
        ([0xED, 0xA0, 0x80], [0..<1, 1..<2, 2..<3]),                       // a lone surrogate (U+D800) encoded
        ([0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9], (0..<6).map { $0..<$0 + 1 }),  // a surrogate pair encoded (CESU-8)
        ([0xF4, 0x90, 0x80, 0x80], [0..<1, 1..<2, 2..<3, 3..<4]),          // above U+10FFFF
        ([0xF5, 0x80, 0xFE, 0xFF], [0..<1, 1..<2, 2..<3, 3..<4]),          // bytes that never start a character
        ([0xF0, 0x9F, 0x98], [0..<3]),                                     // a 4-byte character cut short
        ([0xE5, 0xA4, 0xE5, 0xA4, 0xA7], [0..<2]),                         // a cut character, then 大
    ] as [([UInt8], [Range<Int>])])
    func invalidUTF8IsReplacedWithExactOffsets(_ invalid: [UInt8], _ spans: [Range<Int>]) {
        let before = Array("a ".utf8), after = Array(" call 13800138000 b".utf8)
        let output = Self.filterBothWays(before + invalid + after)
        let repaired = String(decoding: invalid, as: UTF8.self)
        #expect(output.text == "a \(repaired) call [redacted] b")
        #expect(repaired.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == spans.count)
        let shifted = spans.map { $0.lowerBound + before.count..<$0.upperBound + before.count }
        #expect(output.events.filter { $0.type == .invalidUTF8 }.map { $0.start!..<$0.end! } == shifted)
        let phoneStart = before.count + invalid.count + 6
        #expect(output.events.filter { $0.type == .match }.map { $0.start!..<$0.end! } == [phoneStart..<phoneStart + 11])
        #expect(fixtureRules.scan(bytes: before + invalid + after).matches.map { $0.start..<$0.end } == [phoneStart..<phoneStart + 11])
    }

    /// NUL bytes are text like any other: released as they are, counted in offsets.
    @Test func nulBytesPassThrough() {
        let text = "\0电话\013800138000\0 and 大麻\0"
        let output = Self.filterBothWays(Array(text.utf8))
        #expect(output.text == "\0电话\0[redacted]\0 and \n\n" + PolicyTexts.standard.refusal.en)
        #expect(output.events.filter { $0.type == .match }.map { [$0.start!, $0.end!] } == [[8, 19], [25, 31]])
        #expect(fixtureRules.scan(text).matches.map { [$0.start, $0.end] } == [[8, 19], [25, 31]])
    }

    /// A run of one character far longer than the hold-back cap, then a match: the run comes out unchanged and
    /// the match is found at its offset.
    @Test(arguments: ["a", " ", ".", "1", "大", "\u{200B}", "😀", "\0", "\u{FFFD}"])
    func longRunOfOneCharacter(_ character: String) {
        let run = String(repeating: character, count: 40_000 / character.utf8.count)
        let output = Self.filterBothWays(Array((run + " call 13800138000").utf8))
        #expect(output.text == run + " call [redacted]")
        let start = run.utf8.count + 6
        #expect(output.events.map { [$0.start!, $0.end!] } == [[start, start + 11]])
    }

    /// Text in which a possible match begins at every position: each keeps the stream holding back, and
    /// none may push the hold-back past the cap.
    @Test(arguments: [
        "大",                    // 大麻 / 大麻烦 may follow
        "13 ",                   // a mobile number may follow
        "sex ",                  // `sex chat` may follow
        "bet ",                  // `bet … win big` (400 bytes of gap) may follow
        "Here's how to ",       // `… forge a` may follow
        "a.b@",                  // an e-mail address may follow
    ])
    func textThatPartiallyMatchesAtEveryPosition(_ unit: String) {
        var configuration = FilterConfiguration.plain
        configuration.overflowPolicies["gambling"] = .failOpen
        let text = String(repeating: unit, count: 20_000 / unit.utf8.count)
        let output = Self.filterBothWays(Array(text.utf8), configuration: configuration)
        #expect(output.text == text)
        #expect(output.events.allSatisfy { $0.type == .overflow && $0.policy == .failOpen })
        #expect(fixtureRules.scan(text).matches.isEmpty)
    }
}
