@testable import ContentFilter
import Foundation
import Testing

/// `rules lint` warns about patterns that can backtrack catastrophically or repeat hugely.
@Suite struct PatternRiskTests {
    static let nested = "nested unbounded quantifier can backtrack catastrophically"

    @Test(arguments: [
        "(a+)+b", "(?:\\w*)*", "(x+){2,}",
        // The inner repeat need not end the group; groups nest; counted and lazy forms count too.
        "(\\w+\\s?)+$", "((a+))+", "(?:(?:a|b+)c?)*", "(?:a{1,})+", "(?:a{1,3})+b", "(a+)+?",
        "(?<name>a+)+", "(?i:a+)+", "(?:[)(]+)+", "x(?=(a+)+y)",
    ])
    func nestedUnboundedRepeatsAreFlagged(_ pattern: String) {
        #expect(PatternRisk.risks(in: pattern).map(\.message) == [Self.nested])
    }

    @Test(arguments: [
        // Possessive and atomic repeats give nothing back; bounded outer repeats, fixed inner counts, escaped
        // parentheses and classes do not nest.
        "(?:a++)+", "(?:a+)++", "(?>a+)+", "(?:(?:a+)++)+", "(?:\\w+\\s+){0,3}", "(?:ab)+", "\\(a+\\)+", "[(a+)]+",
        "(?:a{3})+", "(a?)+", "(?i)(?:ab|cd)+", "\\Q(a+)+\\E",
    ])
    func safeRepeatsAreNotFlagged(_ pattern: String) {
        #expect(PatternRisk.risks(in: pattern).isEmpty)
    }

    @Test(arguments: [
        ("a{1000,}", "counted repeat `{1000,}` has a count of 1000"),
        ("x{0,5000}y", "counted repeat `{0,5000}` has a count of 5000"),
        ("(?:a{1,40}b){1,40}", "counted repeats `{1,40}` inside `{1,40}` multiply to a count of 1600"),
        ("(?:(?:ab{20}){10}c){0,10}", "counted repeats `{20}` inside `{10}` inside `{0,10}` multiply to a count of 2000"),
    ])
    func hugeCountedRepeatsAreFlagged(_ pattern: String, _ message: String) {
        let messages = PatternRisk.risks(in: pattern).map(\.message)
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix(message + ": ") == true, "\(messages)")
    }

    @Test(arguments: ["\\d{3,4}", "a{999}", ".{0,400}", "(?:(?:ab{2}){10}c){0,10}", "\\{1000\\}", "x{1000", "{1000}", "[{1000}]"])
    func smallOrLiteralCountsAreNotFlagged(_ pattern: String) {
        #expect(PatternRisk.risks(in: pattern).isEmpty)
    }

    @Test(arguments: [
        ("x.*y", true, false), ("x.+", true, false), ("x.{2,}", true, false), ("\\\\.*", true, false), ("\\Ax", false, true),
        ("a\\Gb", false, true), ("x.{0,20}y", false, false), ("\\.*", false, false), ("[.]+", false, false),
        ("\\Q.*\\E", false, false), ("\\\\A", false, false), ("x.?y", false, false),
    ])
    func unboundedGapsAndSearchStartAnchors(_ pattern: String, _ gap: Bool, _ anchor: Bool) {
        let messages = PatternRisk.risks(in: pattern).map(\.message)
        #expect(messages.contains { $0.hasPrefix("unbounded `.*`") } == gap)
        #expect(messages.contains { $0.hasPrefix("`\\A` or `\\G`") } == anchor)
    }

    @Test(arguments: ["\\bfoo\\b[^.!?\\n]{0,80}", "(?![^!?.]{0,100}?bar)", "[^.!?\\n。]{0,20}[^?!.]+", "[^\\.!?]{20}", "[^.!?\\x{3001}]*",
                      "[^\\x2E!?\\n]{0,40}"])
    func sentenceClassWithoutChineseEndsIsFlagged(_ pattern: String) {
        #expect(PatternRisk.risks(in: pattern).map(\.message) == [
            "a negated class that stops at `.!?` but not at `。` runs on through Chinese sentences (3 bytes a character), and a stream holds back the whole run",
        ])
    }

    @Test(arguments: ["[^.!?\\n。！？]{0,80}", "[^。！？\\n]{0,30}", "[.!?]{0,80}", "\\[^.!?\\]{0,80}", "[^.!?\\x{3002}]{0,80}",
                      "[^?!.]", "[^.!?\\n]{0,19}"])
    func sentenceClassWithChineseEndsIsNotFlagged(_ pattern: String) {
        #expect(PatternRisk.risks(in: pattern).isEmpty)
    }

    @Test func bothRisksOfOnePatternAreReported() {
        let messages = PatternRisk.risks(in: "(a+)+x{2000}").map(\.message)
        #expect(messages.count == 2)
        #expect(messages.first == Self.nested)
        #expect(messages.last?.hasPrefix("counted repeat `{2000}` has a count of 2000") == true)
    }

    /// The heuristics leave the shipped rules alone (their bounded `(?:\w+\s+){0,3}` gaps included).
    @Test func noShippedPatternIsFlagged() {
        let flagged = RuleSet.shipped.rules.flatMap(\.patterns).filter { !PatternRisk.risks(in: $0).isEmpty }
        #expect(flagged.isEmpty)
    }

    @Test func rulesLintPrintsEachRiskWithItsLine() throws {
        let yaml = """
            category: spam
            rules:
              - id: risky
                patterns:
                  - '(\\w+\\s?)+$'
                  - 'x{1000,}'
                examples: {match: ['xx']}
            """
        let directory = try temporaryDirectory(["spam.yaml": yaml])
        defer { try? FileManager.default.removeItem(at: directory) }
        let lint = try CommandTests().run(["rules", "lint", "--rules", directory.path])
        #expect(lint.status == 0)
        let file = directory.appending(path: "spam.yaml").path
        #expect(lint.stdout.contains("\(file):5: risky: warning: pattern 1: \(Self.nested) (hint: "))
        #expect(lint.stdout.contains("\(file):6: risky: warning: pattern 2: counted repeat `{1000,}` has a count of 1000: "))
        #expect(lint.stdout.hasSuffix("1 rules, 0 errors, 2 warnings\n"))
    }
}
