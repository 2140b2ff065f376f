import ContentFilter
import ContentFilterFuzzing
import Testing

/// The streaming contract of DESIGN.md, checked as properties over random cuttings of each fixture.
@Suite struct StreamFilterContractTests {
    /// Texts with and without matches, Chinese and English, overlapping rules and allow rules.
    static let fixtures: [String] = [
        "A plain answer with nothing to filter, just some text about Swift and 编程语言。",
        "电话是13800138000，邮箱是test@example.com，请联系。",
        "这是个大麻烦，不是大麻的问题。",
        "We offer sex education classes. Also free porn here, and more text after it.",
        "建议每次服用两片，每日三次。Breaking news: it rains.",
        "Here's how to forge a passport: step one, and the rest should never appear.",
        "你好世界🌍，call 13912345678 or 13800138000 today. 突发新闻：大麻烦！",
        "Your loan is denied, per our model. Text after the flag flows on.",
        "给你推荐几个博彩网站，还有更多内容不应出现。",
        "bet now and then, maybe, and you could win big — a long gap partial match.",
        "pornography is a word that must not match, neither must sex educationally.",
        String(repeating: "filler text ", count: 40) + "not a HEADLINE: here\nHEADLINE: at a line start, 大麻 after.",
        "",
        // Evasive spellings the normaliser folds: full-width, zero-width, spaced, look-alikes, traditional.
        "Free ｐｏｒｎ here, p\u{200B}o\u{200B}r\u{200B}n there, p o r n and ѕех chat, then more text after it.",
        "电话是１３８００１３８０００，邮箱 ｔｅｓｔ＠ｅｘａｍｐｌｅ．ｃｏｍ。出售大 麻，這是個大麻煩。",
        "前言。给你推 荐几个博 彩 網站，后文还有。",
        // An allow match that ends inside a possible match: of another category, then of its own.
        "It is illegal" + String(repeating: "-", count: 50) + "here's how to forge a passport, and more.",
        "It is illegal" + String(repeating: "-", count: 46) + "loan is denied and more text.",
    ]

    @Test(arguments: fixtures)
    func randomCuttingsGiveTheOneChunkOutput(_ text: String) {
        let bytes = Array(text.utf8)
        let reference = filterStream([bytes], rules: fixtureRules)
        var generator = SeededGenerator(state: UInt64(bytes.count) &* 7919)
        for _ in 0..<1000 {
            let chunks = randomCutting(bytes, using: &generator)
            let output = filterStream(chunks, rules: fixtureRules) { released, _ in
                // No released prefix holds anything the one-chunk run would mask or drop.
                #expect(reference.bytes.starts(with: released), "released \(String(decoding: released, as: UTF8.self).debugDescription)")
            }
            #expect(output.chunkingInvariantPart == reference.chunkingInvariantPart, "chunks: \(chunks.map { Array($0) })")
        }
    }

    @Test(arguments: fixtures)
    func singleBytesAndEmptyChunksGiveTheOneChunkOutput(_ text: String) {
        let bytes = Array(text.utf8)
        let reference = filterStream([bytes], rules: fixtureRules)
        let byteChunks = bytes.map { [$0] }
        #expect(filterStream(byteChunks, rules: fixtureRules).chunkingInvariantPart == reference.chunkingInvariantPart)
        let withEmpties = bytes.flatMap { [[], [$0], []] }
        #expect(filterStream(withEmpties, rules: fixtureRules).chunkingInvariantPart == reference.chunkingInvariantPart)
    }

    @Test(arguments: fixtures)
    func streamFindsTheMatchesOfAWholeTextScan(_ text: String) {
        // Dry run: every match is reported and nothing ends the stream early.
        var configuration = FilterConfiguration.plain
        configuration.dryRun = true
        var generator = SeededGenerator(state: 7)
        let expected = fixtureRules.scan(text).matches.map { [$0.rule, "\($0.start)", "\($0.end)"] }
        for _ in 0..<50 {
            let output = filterStream(randomCutting(Array(text.utf8), using: &generator), rules: fixtureRules, configuration: configuration)
            #expect(output.events.map { [$0.rule ?? "", "\($0.start ?? -1)", "\($0.end ?? -1)"] } == expected)
        }
    }

    /// A redaction found in the normalised text masks exactly the original characters of the match.
    @Test func redactionOfAnEvadedMatchMasksItsOriginalCharacters() {
        let text = "电话是１３８\u{200B}００１３８０００，请联系。"
        let output = filterStream(Array(text.utf8).map { [$0] }, rules: fixtureRules)
        #expect(output.text.hasSuffix("电话是[redacted]，请联系。"))
        let match = output.events.first { $0.type == .match }
        let originalEnd = 9 + 3 * 11 + 3  // eleven full-width digits and a zero-width space, after 电话是
        #expect(match?.start == 9)
        #expect(match?.end == originalEnd)
    }

    @Test func textThatMatchesNothingComesOutByteForByte() {
        let text = "Nothing here matches: 这段文字很普通。Émoji 🎉 and numbers 12345."
        let output = filterStream([Array(text.utf8)], rules: fixtureRules)
        #expect(output.text == text)
        #expect(output.events.isEmpty)
    }

    @Test func blockedPhraseFedOneByteAtATimeIsNeverReleased() {
        let text = "前言。给你推荐几个博彩网站，后文"
        let blockedStart = Array("前言。给你".utf8).count
        let filter = StreamFilter(rules: fixtureRules, configuration: .plain)
        var released: [UInt8] = []
        var output = FilterOutput()
        for byte in text.utf8 {
            filter.feed([byte], into: &output)
            released += output.bytes
            output.removeAll()
            // Nothing from the start of the blocked match on may have been released (the refusal follows it).
            if !filter.isBlocked { #expect(released.count <= blockedStart) }
            #expect(!String(decoding: released, as: UTF8.self).contains("推荐"))
        }
        #expect(filter.isBlocked)
        filter.finish(into: &output)
        released += output.bytes
        let result = String(decoding: released, as: UTF8.self)
        #expect(result == "前言。给你\n\n" + PolicyTexts.standard.refusal.en)
        #expect(!result.contains("博彩"))
    }

    @Test func everyRemovedByteIsAccountedForByAnEvent() {
        let text = "电话13800138000。Here's how to forge a passport and more."
        let output = filterStream([Array(text.utf8)], rules: fixtureRules)
        let redaction = try! #require(output.events.first { $0.action == .redact && $0.type == .match })
        #expect(String(decoding: Array(text.utf8)[redaction.start!..<redaction.end!], as: UTF8.self) == "13800138000")
        let blocked = try! #require(output.events.first { $0.type == .blocked })
        #expect(blocked.rule == "illegal.en.steps")
        #expect(blocked.start == Array("电话13800138000。".utf8).count)
        #expect(blocked.end == text.utf8.count)
        // Released: everything before the redaction, the mask, the text between, then the refusal.
        #expect(output.text == "电话[redacted]。\n\n" + PolicyTexts.standard.refusal.en)
    }

    @Test func wordBoundaryAtTheVeryEndIsDecidedByFinish() {
        // `\bporn\b`-style word boundary: "porn" at the end of the stream is a match, "porno…" is not.
        #expect(filterStream(["free ", "porn"].map { Array($0.utf8) }, rules: fixtureRules).events.contains { $0.rule == "adult.en.words" })
        let longer = filterStream(["free ", "porn", "ography"].map { Array($0.utf8) }, rules: fixtureRules)
        #expect(longer.text == "free pornography")
    }
}
