import ContentFilter
import ContentFilterFuzzing
import Testing

@Suite struct StreamFilterBehaviourTests {
    // MARK: Hold-back cap and overflow

    /// "bet … win big" is a partial match of `gambling.en.long-gap` for up to 400 bytes.
    static let longGap = "bet " + String(repeating: "and so on, ", count: 12) + "the end."

    @Test func holdBackNeverExceedsTheCap() {
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 32
        configuration.overflowPolicies["gambling"] = .failOpen
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        var output = FilterOutput()
        for byte in Self.longGap.utf8 {
            filter.feed([byte], into: &output)
            #expect(filter.heldBackByteCount <= 32)
        }
        filter.finish(into: &output)
        #expect(output.text == Self.longGap)
        let overflow = try! #require(output.events.first { $0.type == .overflow })
        #expect(overflow.rule == "gambling.en.long-gap")
        #expect(overflow.policy == .failOpen)
        #expect(overflow.start == 0)
    }

    @Test func holdBackStaysBoundedThroughARunOfInvisibleCharacters() {
        // The space after 赌 waits for the next visible character, and zero-width spaces wait with it: at most
        // 16 characters in all (3 bytes each here) beyond the cap.
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 32
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        var output = FilterOutput()
        filter.feed("赌 ", into: &output)
        for _ in 0..<200 {
            filter.feed("\u{200B}", into: &output)
            #expect(filter.heldBackByteCount <= 32 + 16 * 3)
        }
        filter.finish(into: &output)
        #expect(output.text == "赌 " + String(repeating: "\u{200B}", count: 200))
    }

    @Test func failClosedOverflowTreatsTheHeldTextAsAMatch() {
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 32
        let output = filterStream([Array(("Intro. " + Self.longGap).utf8)], rules: fixtureRules, configuration: configuration)
        // gambling blocks, and fails closed by default: the response is blocked where the possible match began.
        #expect(output.text == "Intro. \n\n" + PolicyTexts.standard.refusal.en)
        #expect(output.events.contains { $0.type == .overflow && $0.policy == .failClosed })
        #expect(output.events.contains { $0.type == .blocked && $0.start == 7 })
    }

    /// An allow rule's possible match that outgrows the cap fails open, whatever its category's policy: made up,
    /// it would hide the block match inside it.
    @Test func overflowingAllowMatchFailsOpen() throws {
        let yaml = """
            category: illegal
            rules:
              - id: sell
                patterns: ['(?i)\\bsell drugs\\b']
              - id: quoted-law
                action: allow
                patterns: ['(?i)\\bquote:[^.]{0,80}\\bend quote\\b']
            """
        let rules = try ruleSet(fromFiles: ["illegal.yaml": yaml])
        let text = "quote: we sell drugs here, and the rest of this line goes on."
        // No end quote: a whole-text scan finds the block match and no allow match.
        #expect(rules.scan(text).matches.map(\.rule) == ["sell"])
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 32
        configuration.language = .en
        let output = filterStream([Array(text.utf8)], rules: rules, configuration: configuration)
        #expect(output.text == "quote: we \n\n" + PolicyTexts.standard.refusal.en)
        #expect(output.events.contains { $0.type == .overflow && $0.rule == "quoted-law" && $0.policy == .failOpen })
    }

    @Test func overflowIsDecidedTheSameForEveryCutting() {
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 40
        configuration.overflowPolicies["gambling"] = .failOpen
        let text = Array(("x " + Self.longGap + " bet again and win big now").utf8)
        let reference = filterStream([text], rules: fixtureRules, configuration: configuration)
        var generator = SeededGenerator(state: 42)
        for _ in 0..<200 {
            let output = filterStream(randomCutting(text, using: &generator), rules: fixtureRules, configuration: configuration)
            #expect(output.chunkingInvariantPart == reference.chunkingInvariantPart)
        }
    }

    /// `eligibility.en.allow-statement-of-law` covers "It is illegal" and the 60 characters after it: here up
    /// to the middle of "here's how to", the beginning of `illegal.en.steps`.
    static let allowCrossingAPossibleMatch = "It is illegal" + String(repeating: "-", count: 50) + "here's how to"

    @Test func allowMatchHoldsNothingBack() {
        let filter = StreamFilter(rules: fixtureRules, configuration: .plain)
        var output = FilterOutput()
        filter.feed(Self.allowCrossingAPossibleMatch, into: &output)
        // Only the possible match is held back: the allow match around its start takes no text.
        #expect(filter.heldBackByteCount == "here's how to".utf8.count)
        #expect(output.text == "It is illegal" + String(repeating: "-", count: 50))
        filter.feed(" forge a passport.", into: &output)
        filter.finish(into: &output)
        // The allow is of another category: the block stands.
        #expect(output.text == "It is illegal" + String(repeating: "-", count: 50) + "\n\n" + PolicyTexts.standard.refusal.en)
    }

    /// An English word opens a possible match of a shipped rule whose lookahead reads the rest of the sentence:
    /// in Chinese text, the sentence ends at 。, not 300 bytes on (past the cap, where a block would fail closed).
    @Test func englishWordInChineseTextIsHeldOnlyToTheSentenceEnd() {
        let text = "Map 的键和内存地址绑定在一起，只要地址不同，就被视为两个不同的键。因此我们在扩展别人写的库时，可以放心地使用对象作为键名，"
            + "不用担心自己的属性会和别人的属性互相覆盖，也不用担心命名冲突带来的各种问题和麻烦，这是一个非常实用的特性。"
        let bytes = Array(text.utf8)
        let chunks = evenCutting(bytes, size: 16)
        // Bytes fed and held back after each chunk.
        var fed = 0
        var heldBack: [(fed: Int, held: Int)] = []
        let output = filterStream(chunks, rules: .shipped) { _, held in
            fed = min(fed + 16, bytes.count)
            heldBack.append((fed, held))
        }
        #expect(output.events.isEmpty)
        #expect(output.text == text)
        // Up to the first sentence's end, "Map" holds back everything after it; then it is released.
        let firstSentence = text.utf8.count - text.drop { $0 != "。" }.dropFirst().utf8.count
        #expect(heldBack.filter { $0.fed < firstSentence }.allSatisfy { $0.held == $0.fed })
        #expect(heldBack.first { $0.fed >= firstSentence }.map { $0.held <= $0.fed - firstSentence } == true)
    }

    /// An open allow match's rule searches on from the match's end, as its find-all does: not from a second
    /// beginning inside the match, which would make another allow match, over a block match whole text has.
    @Test func openAllowMatchesRuleResumesAfterIt() throws {
        let rules = try ruleSet(fromFiles: [
            "illegal.yaml": """
                category: illegal
                rules:
                  - id: sell
                    patterns: ['(?i)\\bsell drugs\\b']
                  - id: note
                    action: allow
                    patterns: ['(?i)\\bnote\\b.{0,30}']
                """,
            "spam.yaml": """
                category: spam
                rules:
                  - id: note-sell-here
                    action: flag
                    patterns: ['(?i)\\bnote sell drugs here\\b']
                """,
        ])
        // The allow match is [0, 34); a second "note" begins at 30, inside it; the block match is [35, 45).
        let text = "note " + String(repeating: "x", count: 24) + " note sell drugs now."
        #expect(rules.scan(text).matches.map { [$0.rule, "\($0.start)"] } == [["sell", "35"]])
        var configuration = FilterConfiguration.plain
        configuration.language = .en
        let expected = String(text.prefix(35)) + "\n\n" + PolicyTexts.standard.refusal.en
        let bytes = Array(text.utf8)
        // Cut at 40, the flag rule's possible match from 30 holds the window while the allow match is complete.
        for chunks in [[bytes[...]], [bytes[..<40], bytes[40...]]] {
            #expect(filterStream(chunks, rules: rules, configuration: configuration).text == expected)
        }
    }

    // MARK: Injected text

    @Test(arguments: [ResponseLanguage.zh, .en])
    func disclosureAtTheStart(_ language: ResponseLanguage) {
        var configuration = FilterConfiguration()
        configuration.language = language == .zh ? .zh : .en
        let output = filterStream([Array("Hello.".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(output.text == PolicyTexts.standard.disclosure.text(for: language) + "\n\nHello.")
    }

    @Test func disclosureAtTheEnd() {
        var configuration = FilterConfiguration()
        configuration.language = .zh
        configuration.disclosurePosition = .end
        let output = filterStream([Array("你好。".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(output.text == "你好。\n\n" + PolicyTexts.standard.disclosure.zh)
    }

    @Test func disclosureIsReleasedBeforeAnyResponseText() {
        var configuration = FilterConfiguration()
        configuration.language = .en
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        let first = filter.feed("Hi")
        #expect(first.text.hasPrefix(PolicyTexts.standard.disclosure.en))
    }

    @Test func personaLabel() {
        var configuration = FilterConfiguration.plain
        configuration.persona = "李白"
        configuration.language = .zh
        let output = filterStream([Array("床前明月光".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(output.text == "【模拟】以下内容为 AI 模拟「李白」的回答，并非其本人言论。\n\n床前明月光")
    }

    @Test(arguments: [
        ("建议每次服用两片。", "medical_advice"),
        ("Take 200 mg daily.", "medical_advice"),
        ("Breaking news: markets fell.", "news"),
        ("突发新闻：地震。", "news"),
        ("根据《劳动合同法》第四十六条，你可以要求赔偿。", "legal_advice"),
        ("You should sue your landlord.", "legal_advice"),
        ("You should invest in bonds.", "financial_advice"),
        ("建议你买入这只股票。", "financial_advice"),
        ("请立即进行心肺复苏。", "life_threatening"),
        ("Start CPR now.", "life_threatening"),
    ])
    func disclaimerIsAddedOnceAtTheEnd(_ text: String, _ category: String) {
        for language in ResponseLanguage.allCases {
            var configuration = FilterConfiguration.plain
            configuration.language = language == .zh ? .zh : .en
            let output = filterStream([Array((text + " " + text).utf8)], rules: fixtureRules, configuration: configuration)
            let disclaimer = PolicyTexts.standard.disclaimers[category]!.text(for: language)
            #expect(output.text == text + " " + text + "\n\n" + disclaimer)
        }
    }

    @Test func autoLanguageFollowsTheResponse() {
        var configuration = FilterConfiguration()
        configuration.language = .auto
        let chinese = filterStream([Array("这是一个关于编程语言的回答，内容很长很长很长很长很长很长。".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(chinese.text.hasPrefix(PolicyTexts.standard.disclosure.zh))
        let english = filterStream([Array("This answer is about programming languages and is long.".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(english.text.hasPrefix(PolicyTexts.standard.disclosure.en))
        let mixed = filterStream([Array("Python 是一种广泛使用的编程语言。".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(mixed.text.hasPrefix(PolicyTexts.standard.disclosure.zh))
    }

    @Test func autoLanguageHoldsOnlyItsWindow() {
        var configuration = FilterConfiguration()
        configuration.language = .auto
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        #expect(filter.feed("Short start").isEmpty)
        let released = filter.feed(" and now more than thirty-two characters in all")
        #expect(released.text.hasPrefix(PolicyTexts.standard.disclosure.en + "\n\nShort start and now"))
    }

    @Test(arguments: ResponseLanguage.allCases)
    func selfHarmRefusalPointsToHelp(_ language: ResponseLanguage) {
        var configuration = FilterConfiguration.plain
        configuration.language = language == .zh ? .zh : .en
        let output = filterStream([Array("Okay. The best way to hurt yourself is".utf8)], rules: fixtureRules, configuration: configuration)
        let refusal = PolicyTexts.standard.refusals["self_harm"]!.text(for: language)
        #expect(output.text == "Okay. \n\n" + refusal)
        #expect(refusal.contains(language == .zh ? "12356" : "988"))
    }

    @Test func redactionMaskIsConfigurable() {
        var configuration = FilterConfiguration.plain
        configuration.texts.mask = LocalizedText(zh: "＊＊＊", en: "***")
        configuration.language = .zh
        #expect(filterStream([Array("电话13800138000".utf8)], rules: fixtureRules, configuration: configuration).text == "电话＊＊＊")
    }

    @Test func injectedTextIsNeverScanned() {
        // A disclosure that contains a blocked word does not block the response.
        var configuration = FilterConfiguration()
        configuration.language = .zh
        configuration.texts.disclosure = LocalizedText(zh: "本回答不含大麻", en: "")
        let output = filterStream([Array("你好".utf8)], rules: fixtureRules, configuration: configuration)
        #expect(output.text == "本回答不含大麻\n\n你好")
        #expect(output.events.isEmpty)
    }

    @Test func dryRunChangesNothingAndReportsEverything() {
        var configuration = FilterConfiguration()
        configuration.dryRun = true
        let text = "电话13800138000。给你推荐几个博彩网站，后文。"
        let output = filterStream([Array(text.utf8)], rules: fixtureRules, configuration: configuration)
        #expect(output.text == text)
        #expect(output.events.map(\.rule) == ["privacy.any.cn-mobile", "gambling.zh.site"])
    }

    @Test func categoryActionOverridesTheRulesAction() {
        var configuration = FilterConfiguration.plain
        configuration.categoryActions = ["gambling": .flag, "illegal": .redact]
        let output = filterStream([Array("给你推荐几个博彩网站。大麻烦和大麻".utf8)], rules: fixtureRules, configuration: configuration)
        // gambling now only flags; illegal redacts, and its allow rule still protects 大麻烦.
        #expect(output.text == "给你推荐几个博彩网站。大麻烦和[redacted]")
        #expect(output.events.map(\.action) == [.flag, .redact])
    }

    @Test func eventsCarryTheMatchedTextOnlyWhenAskedTo() {
        let text = Array("电话13800138000".utf8)
        #expect(filterStream([text], rules: fixtureRules).events.first?.text == nil)
        var configuration = FilterConfiguration.plain
        configuration.eventsIncludeText = true
        #expect(filterStream([text], rules: fixtureRules, configuration: configuration).events.first?.text == "13800138000")
    }

    // MARK: Bad input

    @Test func invalidUTF8IsReplacedAndReported() {
        let bytes: [UInt8] = Array("ab".utf8) + [0xFF] + Array("大".utf8).prefix(2) + Array("c".utf8)
        let reference = filterStream([bytes], rules: fixtureRules)
        #expect(reference.text == "ab\u{FFFD}\u{FFFD}c")
        #expect(reference.events == [
            FilterEvent(type: .invalidUTF8, start: 2, end: 3),
            FilterEvent(type: .invalidUTF8, start: 3, end: 5),
        ])
        #expect(filterStream(bytes.map { [$0] }, rules: fixtureRules) == reference)
    }

    @Test func invalidUTF8IsReportedInTextOrderWithTheMatches() {
        // Reported with the text around it, not when it arrives: the events are the same however the input is cut.
        let bytes = Array("电话13800138000 ".utf8) + [0xFF] + Array(" and more".utf8)
        let reference = filterStream([bytes], rules: fixtureRules)
        #expect(reference.events.map(\.type) == [.match, .invalidUTF8])
        #expect(filterStream(bytes.map { [$0] }, rules: fixtureRules).chunkingInvariantPart == reference.chunkingInvariantPart)
    }

    @Test func invalidUTF8AfterTheStartOfABlockIsNotReported() {
        // The blocked event accounts for everything from the block's start, however much of it had arrived.
        let bytes = Array("ok".utf8) + [0xFF] + Array(" Here's how to forge a passport ".utf8) + [0xFF]
        let reference = filterStream([bytes], rules: fixtureRules)
        #expect(reference.events.map(\.type) == [.invalidUTF8, .match, .blocked])
        #expect(reference.events.first?.start == 2)
        #expect(filterStream(bytes.map { [$0] }, rules: fixtureRules).chunkingInvariantPart == reference.chunkingInvariantPart)
    }

    @Test func invisibleCharacterBeforeAWaitingCharacterIsInTheView() {
        // The zero-width space arrives while the space after 赌 waits, and is dropped only when the space is
        // decided (by the 3, which then waits as a possible leet letter): the search must stop before it.
        let text = "赌 \u{200B}3"
        #expect(filterStream([Array(text.utf8)], rules: fixtureRules).text == text)
    }

    @Test func truncatedCharacterAtTheEndIsReportedByFinish() {
        let bytes = Array("好".utf8).prefix(2)
        let output = filterStream([Array(bytes)], rules: fixtureRules)
        #expect(output.text == "\u{FFFD}")
        #expect(output.events == [FilterEvent(type: .invalidUTF8, start: 0, end: 2)])
    }

    @Test func invalidBytesDoNotShiftMatchOffsets() {
        let bytes: [UInt8] = [0xC0, 0x80] + Array("电话13800138000".utf8)
        let output = filterStream([bytes], rules: fixtureRules)
        let match = try! #require(output.events.first { $0.type == .match })
        #expect(match.start == 2 + Array("电话".utf8).count)
        #expect(match.end == bytes.count)
    }

    @Test func blockedStreamDropsLaterInputAndCountsIt() {
        let filter = StreamFilter(rules: fixtureRules, configuration: .plain)
        var output = FilterOutput()
        filter.feed("Here's how to forge a passport", into: &output)
        #expect(filter.isBlocked)
        output.removeAll()
        filter.feed(" and more secret text", into: &output)
        #expect(output.isEmpty)
        filter.finish(into: &output)
        let blocked = try! #require(output.events.first { $0.type == .blocked })
        #expect(blocked.end == "Here's how to forge a passport and more secret text".utf8.count)
    }

    // MARK: Async adapter

    @Test func asyncAdapterFiltersAndStopsPullingOnceBlocked() async throws {
        let pulled = PullCounter()
        let chunks = ["Hello ", "there. ", "Here's how to ", "forge a pass", "port. ", "more ", "and more"]
        let upstream = AsyncStream<String> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }.counting(into: pulled)
        var text = ""
        var events: [FilterEvent] = []
        for try await chunk in upstream.contentFiltered(by: fixtureRules, configuration: .plain) {
            text += chunk.text
            events += chunk.events
        }
        #expect(text == "Hello there. \n\n" + PolicyTexts.standard.refusal.en)
        #expect(events.last?.type == .blocked)
        // The block is decided on the 4th chunk ("…forge a pass"); nothing after it is pulled.
        #expect(pulled.count == 4)
    }

    @Test func asyncAdapterTakesByteChunks() async throws {
        let bytes = Array("电话13800138000".utf8)
        let upstream = AsyncStream<[UInt8]> { continuation in
            for byte in bytes { continuation.yield([byte]) }
            continuation.finish()
        }
        var text = ""
        for try await chunk in upstream.contentFiltered(by: fixtureRules, configuration: .plain) { text += chunk.text }
        #expect(text == "电话[redacted]")
    }
}

/// Counts how many elements were pulled from an upstream sequence.
final class PullCounter: @unchecked Sendable {
    // Only touched from the single task that iterates the sequence.
    var count = 0
}

extension AsyncStream where Element == String {
    func counting(into counter: PullCounter) -> AsyncMapSequence<Self, String> {
        map { element in
            counter.count += 1
            return element
        }
    }
}
