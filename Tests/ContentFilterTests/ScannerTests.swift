import ContentFilter
import Testing

@Suite struct ScannerTests {
    @Test func allowRuleSuppressesTheMatchInsideIt() {
        let result = fixtureRules.scan("这是个大麻烦，不是大麻。")
        #expect(result.matches.map(\.rule) == ["illegal.zh.cannabis"])
        #expect(result.matches[0].text == "大麻")
        #expect(result.matches[0].start == "这是个大麻烦，不是".utf8.count)
        // The raw matches still show both rules.
        #expect(Set(fixtureRules.rawMatches(in: "这是个大麻烦").matches.map(\.rule)) == ["illegal.zh.cannabis", "illegal.zh.not-cannabis"])
    }

    @Test func allowRulesOnlyHideMatchesOfTheirOwnCategory() {
        // The eligibility allow rule covers both sentences; only the eligibility match is hidden.
        #expect(fixtureRules.scan("It is illegal that your loan is denied.").matches.isEmpty)
        #expect(fixtureRules.scan("It is illegal, but here's how to forge a passport.").matches.map(\.rule) == ["illegal.en.steps"])
    }

    @Test func englishWordBoundaries() {
        #expect(fixtureRules.scan("porn, pornography, 看porn片").matches.map(\.start) == [0, "porn, pornography, 看".utf8.count])
    }

    @Test func strongerActionWinsAnOverlap() {
        // "sex chat" (block) overlaps nothing stronger; inside "sex chat education" the allow rule wins.
        #expect(fixtureRules.scan("sex chat").matches.map(\.action) == [.block])
        #expect(fixtureRules.scan("sex chat education").matches.isEmpty)
    }

    @Test func overlappingMatchesResolveByPriorityThenPosition() {
        // Raw: redact (phone) inside a flag-only text; both survive when they do not overlap.
        let text = "your loan denied, call 13800138000"
        let matches = fixtureRules.scan(text).matches
        #expect(matches.map(\.action) == [.flag, .redact])
        #expect(matches.map(\.text) == ["loan denied", "13800138000"])
    }

    @Test func stringAndBytesGiveTheSameMatches() {
        let text = "电话13800138000，邮箱 test@example.com，大麻"
        #expect(fixtureRules.scan(text) == fixtureRules.scan(bytes: Array(text.utf8)))
    }

    @Test func resultsAreDeterministic() {
        let text = String(repeating: "大麻 13800138000 porn ", count: 50)
        let first = fixtureRules.scan(text)
        for _ in 0..<5 { #expect(fixtureRules.scan(text) == first) }
        #expect(first.matches.count == 150)
        #expect(first.matches.map(\.start) == first.matches.map(\.start).sorted())
    }

    @Test func invalidBytesAreScannedAsReplacementCharacters() {
        let bytes: [UInt8] = [0xFF] + Array("大麻".utf8)
        let result = fixtureRules.scan(bytes: bytes)
        #expect(result.matches.map(\.start) == [1])
        #expect(result.matches.map(\.end) == [7])
    }
}
