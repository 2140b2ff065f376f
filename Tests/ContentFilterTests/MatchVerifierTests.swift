import ContentFilter
import ContentFilterFuzzing
import Testing

@Suite struct MatchVerifierTests {
    @Test(arguments: [
        ("4111111111111111", true), ("4111 1111 1111 1111", true), ("4111-1111-1111-1111", true),
        ("4111111111111112", false), ("6222021234567890123", false), ("79927398713", true), ("4111a11111111111", false),
    ])
    func luhn(_ text: String, _ valid: Bool) {
        #expect(MatchVerifier.luhn.accepts(Array(text.utf8)) == valid)
    }

    @Test(arguments: [
        ("11010519491231002X", true), ("11010519491231002x", true), ("110105194912310021", false),
        ("440524188001010014", true), ("440524188001010015", false), ("1101051949123100", false),
    ])
    func chineseResidentID(_ text: String, _ valid: Bool) {
        #expect(MatchVerifier.chineseResidentID.accepts(Array(text.utf8)) == valid)
    }

    @Test func aRuleKeepsOnlyVerifiedMatches() throws {
        let yaml = """
            category: privacy
            rules:
              - id: card
                patterns: ['(?<!\\d)\\d{4}(?: ?\\d{4}){3}(?!\\d)']
                verify: luhn
            """
        let rules = try ruleSet(fromFiles: ["privacy.yaml": yaml])
        let text = "card 4111 1111 1111 1111, order 4111 1111 1111 1112"
        #expect(rules.scan(text).matches.map(\.text) == ["4111 1111 1111 1111"])
        var configuration = FilterConfiguration.plain
        configuration.language = .en
        #expect(filterStream([Array(text.utf8)], rules: rules, configuration: configuration).text
            == "card [redacted], order 4111 1111 1111 1112")
    }
}
