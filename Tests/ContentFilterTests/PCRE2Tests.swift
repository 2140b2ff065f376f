import ContentFilter
import ContentFilterFuzzing
import Foundation
import Testing

@Suite struct PCRE2Tests {
    func rules(_ yaml: String, limits: SearchLimits = SearchLimits(), normalization: Normalization = .all) throws -> RuleSet {
        let url = try temporaryDirectory(["spam.yaml": yaml])
        defer { try? FileManager.default.removeItem(at: url) }
        return try RuleSet(sources: [.directory(url)], limits: limits, normalization: normalization)
    }

    @Test func catastrophicPatternHitsTheMatchLimitInsteadOfHanging() throws {
        let set = try rules("category: spam\nrules:\n  - id: slow\n    patterns: ['(a+)+(?:b|cc)']\n", limits: SearchLimits(matchLimit: 10_000))
        let result = set.scan(String(repeating: "a", count: 40) + "c")
        #expect(result.matches.isEmpty)
        let failure = try #require(result.failures.first)
        #expect(failure.rule == "slow")
        #expect(failure.error.isResourceLimit)
        #expect(failure.error.message.contains("limit"))
    }

    @Test func limitInAStreamIsAnEventWithThePolicyOutcome() throws {
        let set = try rules("category: spam\nrules:\n  - id: slow\n    patterns: ['(a+)+(?:b|cc)']\n", limits: SearchLimits(matchLimit: 10_000))
        let text = String(repeating: "a", count: 40) + "c"
        let output = filterStream([Array(text.utf8)], rules: set)
        let event = try #require(output.events.first { $0.type == .limit })
        #expect(event.rule == "slow")
        // spam redacts, and so fails open by default: the text is released.
        #expect(event.policy == .failOpen)
        #expect(output.text == text)
    }

    /// A blocking category fails closed: the stream is blocked from where the failed search began, and no
    /// byte of the run that made PCRE2 give up is released, however the text is cut.
    @Test func limitInABlockingCategoryFailsClosed() throws {
        let set = try rules("category: illegal\nrules:\n  - id: slow\n    patterns: ['(a+)+(?:b|cc)']\n", limits: SearchLimits(matchLimit: 10_000))
        let text = Array(("Intro. " + String(repeating: "a", count: 40) + "c, and more.").utf8)
        for chunks in [[text], text.map { [$0] }] {
            let output = filterStream(chunks, rules: set)
            let limit = try #require(output.events.first { $0.type == .limit })
            #expect(limit.rule == "slow")
            #expect(limit.policy == .failClosed)
            let blocked = try #require(output.events.last)
            #expect(blocked.type == .blocked)
            #expect(blocked.start == limit.start)
            #expect(blocked.end == text.count)
            #expect(output.text.hasSuffix(PolicyTexts.standard.refusal.en))
            #expect(!output.text.contains("aa"))
        }
    }

    /// The interpreter's depth and heap limits (a pattern may turn JIT off with `(*NO_JIT)`) and the JIT's
    /// stack bound searches too, in whole texts and in streams.
    @Test(arguments: [
        ("(*NO_JIT)(?:a|b)*c", SearchLimits(depthLimit: 100), "matching depth limit exceeded"),
        ("(*NO_JIT)(?:a|b)*c", SearchLimits(matchLimit: .max, depthLimit: .max, heapLimitKiB: 64), "heap limit exceeded"),
        ("(a|b)*c", SearchLimits(), "JIT stack limit reached"),
    ])
    func everyPCRE2LimitEndsASearch(_ pattern: String, _ limits: SearchLimits, _ message: String) throws {
        let set = try rules("category: spam\nrules:\n  - id: deep\n    patterns: ['\(pattern)']\n", limits: limits)
        let text = String(repeating: "a", count: 8_000) + "dc"
        let failure = try #require(set.scan(text).failures.first)
        #expect(failure.rule == "deep")
        #expect(failure.error.isResourceLimit)
        #expect(failure.error.message == message)
        var configuration = FilterConfiguration.plain
        configuration.maximumHoldBack = 16_384
        let output = filterStream([Array(text.utf8)], rules: set, configuration: configuration)
        #expect(output.events.contains { $0.type == .limit && $0.rule == "deep" && $0.policy == .failOpen })
        #expect(output.text == text)
    }

    @Test func offsetsAreUTF8Bytes() throws {
        let set = try rules("category: spam\nrules:\n  - id: w\n    words: [世界]\n")
        let match = try #require(set.scan("你好，世界").matches.first)
        #expect(match.start == 9)
        #expect(match.end == 15)
    }

    @Test func caseFoldingIsTheDefaultAndUCPOptIn() throws {
        let set = try rules("""
            category: spam
            rules:
              - id: exact
                patterns: ['Hello']
                caseless: false
              - id: exact-by-normalisation
                patterns: ['Hello']
                normalize: {off: [case], reason: a capital letter matters here}
              - id: any-case
                patterns: ['World']
              - id: ascii-word
                patterns: ['\\bsex\\b']
              - id: unicode-word
                patterns: ['\\bsex\\b']
                ucp: true
            """)
        #expect(set.scan("hello world").matches.map(\.rule) == ["any-case"])
        // Without UCP, CJK characters are not word characters.
        #expect(Set(set.rawMatches(in: "看sex片").matches.map(\.rule)) == ["ascii-word"])
    }

    /// Characters a step replaces one by one are replaced in patterns too; class ranges keep their ends.
    @Test func patternsAreWrittenInTheNormalisedForm() throws {
        let set = try rules("category: spam\nrules:\n  - id: p\n    patterns: ['賭博網站', 'ｐｏｒｎ', '\\b[а-я]{3}\\b']\n")
        #expect(set.scan("赌博网站 賭博網站 porn ＰＯＲＮ").matches.map(\.text) == ["赌博网站", "賭博網站", "porn", "ＰＯＲＮ"])
        // Cyrillic а folds to a in text, but as the end of a range it stays: `[a-я]` would take in ASCII.
        #expect(set.scan("abc").matches.isEmpty)
        // A literal that noise skipping changes in context can never match: the loader warns.
        let spaced = try rules("category: spam\nrules:\n  - id: s\n    patterns: ['赌 博网站']\n")
        #expect(spaced.warnings.map(\.message).contains("pattern 1: `赌 博网站` reads `赌博网站` once the text is normalised, so it never matches as written"))
        #expect(set.warnings.filter { $0.message.contains("normalised") }.isEmpty)
    }

    /// Chinese words in pinyin (any spacing between syllables), initials, mixed with pinyin, and homophones.
    @Test func wordVariantsAndHomophones() throws {
        let set = try rules("""
            category: spam
            rules:
              - id: v
                words: [赌博, 博彩]
                word_variants: [pinyin, initials, mixed, split]
                homophones: {博彩: [菠菜]}
            """)
        let text = "dubo, Du Bo, du'bo, DB, du博, 赌bo, 菠菜, 博彩, 贝者博, 赌十尃; not dubois, db2, bocaiuva"
        #expect(set.scan(text).matches.map(\.text) == ["dubo", "Du Bo", "du'bo", "DB", "du博", "赌bo", "菠菜", "博彩", "贝者博", "赌十尃"])
        #expect(throws: RuleLoadError.self) {
            try rules("category: spam\nrules:\n  - id: v\n    words: [bet]\n    word_variants: [pinyin]\n")
        }
        #expect(throws: RuleLoadError.self) {
            try rules("category: spam\nrules:\n  - id: v\n    words: [赌博]\n    word_variants: [pinyn]\n    homophones: {博彩: [菠菜]}\n")
        }
    }

    @Test func wordsAreLiteralAndLongestFirst() throws {
        let set = try rules("category: spam\nrules:\n  - id: w\n    words: ['a.b', 'a.b.c', '(x)']\n")
        #expect(set.scan("a.b.c axb (x)").matches.map(\.text) == ["a.b.c", "(x)"])
        // Words are normalised as the text is: `a.b.c` reads `abc`, and so does `a b c`.
        #expect(set.scan("a b c").matches.map(\.text) == ["a b c"])
        let plain = try rules("category: spam\nrules:\n  - id: w\n    words: ['a.b', 'a.b.c', '(x)']\n", normalization: [])
        #expect(plain.scan("a.b.c axb (x)").matches.map(\.text) == ["a.b.c", "(x)"])
    }
}
