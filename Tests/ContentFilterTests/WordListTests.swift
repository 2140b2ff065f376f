@testable import ContentFilter
import ContentFilterFuzzing
import Foundation
import Testing

/// Word lists larger than one PCRE2 pattern can hold are compiled in parts and match as the one pattern would.
@Suite struct WordListTests {
    /// `count` distinct words of `lengths` letters from `letters`, the same on every run.
    static func words(_ count: Int, of letters: String, lengths: ClosedRange<Int>, seed: UInt64) -> [String] {
        var generator = SeededGenerator(state: seed)
        var words = Set<String>()
        while words.count < count {
            words.insert(String((0..<Int.random(in: lengths, using: &generator)).map { _ in letters.randomElement(using: &generator)! }))
        }
        return words.sorted()
    }

    /// A rule set of one `spam` rule with `words` in its word file.
    static func wordRule(_ words: [String], wordBoundary: Bool, example: String, normalization: Normalization = .all) throws -> RuleSet {
        let yaml = """
            category: spam
            rules:
              - id: words
                words_file: words.txt
                word_boundary: \(wordBoundary)
                examples: {match: ['\(example)']}
            """
        let url = try temporaryDirectory(["spam.yaml": yaml, "words.txt": words.joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(at: url) }
        return try RuleSet(sources: [.directory(url)], normalization: normalization)
    }

    /// Whether PCRE2 takes the rule's combined pattern as one pattern.
    static func compilesAsOnePattern(_ rules: RuleSet) -> Bool {
        (try? PCRE2Pattern(RuleSet.combinedPattern(of: rules.rules[0], normalizedBy: rules.normalization), options: PCRE2CompileOptions())) != nil
    }

    /// 6,000 words of three letters, prefixes and overlaps of each other everywhere, against a reference that
    /// tries the alternatives one by one at each start, in order, as PCRE2 does within one pattern.
    @Test func partsMatchAsTheOnePatternWould() throws {
        let words = Self.words(6_000, of: "abc", lengths: 3...12, seed: 7)
        let rules = try Self.wordRule(words, wordBoundary: false, example: words[0], normalization: [])
        #expect(!Self.compilesAsOnePattern(rules))
        let alternatives = try RuleSet.patternAlternatives(of: rules.rules[0]).map { try PCRE2Pattern($0, options: PCRE2CompileOptions()) }
        #expect(alternatives.count > 1)
        var generator = SeededGenerator(state: 11)
        let text = (0..<2_000).map { _ in Array("abc".utf8).randomElement(using: &generator)! }

        let scratch = PCRE2MatchScratch(context: PCRE2MatchContext(limits: SearchLimits()))
        var expected: [Range<Int>] = []
        text.withUnsafeBufferPointer { subject in
            var position = 0
            nextMatch: while position < subject.count {
                for start in position..<subject.count {
                    for alternative in alternatives {
                        if case .match(let range) = alternative.search(subject, from: start, partial: false, latestStart: start, scratch: scratch) {
                            expected.append(range)
                            position = range.upperBound
                            continue nextMatch
                        }
                    }
                }
                break
            }
        }
        #expect(expected.count > 100)
        let scanned = rules.rawMatches(inBytes: text).matches.map { $0.start..<$0.end }
        #expect(scanned == expected)
        // A stream searches the parts with partial matching, a byte at a time here.
        let streamed = filterStream(text.map { [$0] }, rules: rules).events.filter { $0.type == .match }.map { $0.start!..<$0.end! }
        #expect(streamed == expected)
    }

    /// 100,000 keywords load, compile in parts, and the first and last the pattern tries both match.
    @Test func hundredThousandKeywordsLoadAndMatch() throws {
        let words = Self.words(100_000, of: "abcdefghijklmnopqrstuvwxyz", lengths: 6...12, seed: 1)
        let rules = try Self.wordRule(words, wordBoundary: true, example: "say \(words[0]) now")
        #expect(rules.warnings.isEmpty)
        #expect(!Self.compilesAsOnePattern(rules))
        // Longest first, then in code-point order: the order of the alternatives.
        let ordered = words.sorted { ($0.utf8.count, $1) > ($1.utf8.count, $0) }
        let first = ordered.first!, last = ordered.last!
        let text = "First \(first), then \(last.uppercased()); not \(last)s or x\(first)."
        let matches = rules.scan(text).matches
        #expect(matches.map(\.text) == [first, last.uppercased()])
        #expect(matches.map(\.start) == [6, 6 + first.utf8.count + 7])
        let streamed = filterStream(Array(text.utf8).map { [$0] }, rules: rules)
        #expect(streamed.text == "First [redacted], then [redacted]; not \(last)s or x\(first).")
    }
}
