import ContentFilter
import Foundation
import Testing

/// Each kind of rule-file problem, written to a temporary directory, must be reported with its file,
/// line and a message that names it.
@Suite struct RuleLoadingTests {
    /// Loads `files` and returns the problems (the load must fail).
    func problems(_ files: [String: String]) throws -> [RuleProblem] {
        let url = try temporaryDirectory(files)
        defer { try? FileManager.default.removeItem(at: url) }
        return try problems(at: url)
    }

    /// Loads the rule directory at `url` and returns the problems (the load must fail).
    func problems(at url: URL) throws -> [RuleProblem] {
        do {
            _ = try RuleSet(sources: [.directory(url)])
            Issue.record("loading succeeded")
            return []
        } catch {
            return error.errors
        }
    }

    let validRule = """
        category: gambling
        rules:
          - id: ok
            lang: zh
            words: [赌场]
            examples: {match: ['去赌场'], no_match: ['市场']}
        """

    @Test func badYAMLNamesTheLine() throws {
        let found = try problems(["gambling.yaml": "category: gambling\nrules:\n  - id: x\n    words: [a, b\n"])
        #expect(found.count == 1)
        #expect(found[0].location.file.hasSuffix("gambling.yaml"))
        #expect(found[0].location.line == 5)
        #expect(found[0].message.hasPrefix("invalid YAML"))
    }

    @Test func unknownKeyIsReportedWithASuggestion() throws {
        let found = try problems(["gambling.yaml": validRule + "\n    pattern: ['x']\n"])
        #expect(found.map(\.description) == [
            "\(found[0].location.file):7: ok: unknown key `pattern` (hint: did you mean `patterns`?)",
        ])
    }

    @Test func unknownCategoryAndAction() throws {
        let text = """
            category: gamblin
            rules:
              - id: a
                action: blok
                words: [x]
            """
        let found = try problems(["gambling.yaml": text])
        #expect(found.map(\.location.line) == [1, 4])
        #expect(found[0].message == "unknown category `gamblin`")
        #expect(found[0].hint == "did you mean `gambling`?")
        #expect(found[1].message == "unknown action `blok`")
        #expect(found[1].ruleID == "a")
    }

    @Test func duplicateIDAcrossFilesNamesTheFirst() throws {
        let found = try problems(["gambling.yaml": validRule, "spam.yaml": validRule.replacing("gambling", with: "spam")])
        #expect(found.count == 1)
        #expect(found[0].location.file.hasSuffix("spam.yaml"))
        #expect(found[0].location.line == 3)
        #expect(found[0].message == "duplicate rule id")
        #expect(found[0].hint?.contains("gambling.yaml:3") == true)
    }

    @Test func invalidPatternGivesPCRE2sMessageAndOffset() throws {
        let text = """
            category: gambling
            rules:
              - id: bad-pattern
                patterns:
                  - 'fine'
                  - 'ab(cd'
            """
        let found = try problems(["gambling.yaml": text])
        #expect(found.count == 1)
        #expect(found[0].location.line == 6)
        #expect(found[0].message == "pattern 2 is not valid PCRE2: missing closing parenthesis at offset 5")
    }

    @Test func emptyRuleAndMissingWordFile() throws {
        let text = """
            category: spam
            rules:
              - id: empty
                lang: en
              - id: words-from-file
                words_file: missing.txt
            """
        let found = try problems(["spam.yaml": text])
        #expect(found.map(\.ruleID) == ["empty", "words-from-file"])
        #expect(found.map(\.location.line) == [3, 6])
        #expect(found[0].message == "rule has no patterns and no words")
        #expect(found[1].message == "word file `missing.txt` not found")
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let text = """
            category: spam
            rules:
              - id: one
                lang: fr
                words: [x]
              - id: two
                patterns: ['(']
              - id: three
                ucp: maybe
                words: [y]
            """
        let found = try problems(["spam.yaml": text, "broken.yaml": "rules: [\n"])
        #expect(found.count == 4)
        #expect(Set(found.compactMap(\.ruleID)) == ["one", "two", "three"])
    }

    @Test func missingEmptyOrNonRuleDirectory() throws {
        let empty = try temporaryDirectory()
        let others = try temporaryDirectory(["notes.md": "# not rules", "words.txt": "a\n", "spam.yaml.bak": ""])
        defer { for url in [empty, others] { try? FileManager.default.removeItem(at: url) } }
        let missing = empty.appending(path: "nope")
        for (url, message) in [
            (missing, "rule directory does not exist"),
            (empty, "the directory is empty"),
            (others, "the directory holds no rule files, only 3 other entries: `notes.md`, `spam.yaml.bak`, `words.txt`"),
        ] {
            let found = try problems(at: url)
            #expect(found.map(\.description) == ["\(url.path):0: \(message) (hint: \(found.first?.hint ?? ""))"])
            #expect(found.first?.message == message)
        }
    }

    /// Files that cannot be read are each reported with their path; the readable ones are still parsed.
    @Test func unreadableRuleFilesAreEachReported() throws {
        let url = try temporaryDirectory(["gambling.yaml": validRule, "latin1.yaml": "", "spam.yaml": "category: spam\nrules: [\n"])
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: url.appending(path: "latin1.yaml"))  // "café" in Latin-1
        try FileManager.default.createDirectory(at: url.appending(path: "folder.yaml"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: url.appending(path: "link.yml").path, withDestinationPath: "/no/such/rules.yaml")
        #expect(mkfifo(url.appending(path: "pipe.yaml").path, 0o644) == 0)
        let found = try problems(at: url)
        #expect(found.dropLast().map(\.description) == [
            "\(url.path)/folder.yaml:0: rule file is a directory, not a file (hint: rules and word lists are read from plain files; rename or move this one)",
            "\(url.path)/latin1.yaml:0: rule file is not valid UTF-8 (hint: save it as UTF-8)",
            "\(url.path)/link.yml:0: rule file is a symbolic link to `/no/such/rules.yaml`, which does not exist (hint: point the link at an existing file, or remove it)",
            "\(url.path)/pipe.yaml:0: rule file is not a regular file (a FIFO, socket or device) (hint: rules and word lists are read from plain files; rename or move this one)",
        ])
        #expect(found.last?.description.hasPrefix("\(url.path)/spam.yaml:3: invalid YAML") == true)
    }

    @Test func wordFileThatIsADirectory() throws {
        let url = try temporaryDirectory(["spam.yaml": "category: spam\nrules:\n  - id: w\n    words_file: words\n"])
        defer { try? FileManager.default.removeItem(at: url) }
        try FileManager.default.createDirectory(at: url.appending(path: "words"), withIntermediateDirectories: false)
        let found = try problems(at: url)
        #expect(found.map(\.message) == ["word file `words` is a directory, not a file"])
        #expect(found.map(\.location.line) == [4])
    }

    @Test func wordFileIsReadBesideTheRuleFile() throws {
        let text = """
            category: spam
            rules:
              - id: from-file
                words_file: words.txt
                word_boundary: true
            """
        let url = try temporaryDirectory(["spam.yaml": text, "words.txt": "# comment\nbuy now\n\nFree Money\n"])
        defer { try? FileManager.default.removeItem(at: url) }
        let rules = try RuleSet(sources: [.directory(url)])
        #expect(rules.rules[0].words == ["buy now", "Free Money"])
        #expect(rules.scan("BUY NOW! free money; freemoney").matches.map(\.text) == ["BUY NOW", "free money"])
    }

    @Test func riskyPatternsAreWarnings() throws {
        let text = """
            category: spam
            rules:
              - id: risky
                patterns: ['(a+)+b', 'x.*y']
                examples: {match: ['aab']}
            """
        let url = try temporaryDirectory(["spam.yaml": text])
        defer { try? FileManager.default.removeItem(at: url) }
        let rules = try RuleSet(sources: [.directory(url)])
        #expect(rules.warnings.map(\.message) == [
            "pattern 1: nested unbounded quantifier can backtrack catastrophically",
            "pattern 2: unbounded `.*` / `.+` gap holds a stream back until the hold-back cap",
        ])
    }

    @Test func ruleDefaultsComeFromTheCategory() throws {
        let url = try temporaryDirectory(["gambling.yaml": validRule])
        defer { try? FileManager.default.removeItem(at: url) }
        let rules = try RuleSet(sources: [.directory(url)])
        let rule = try #require(rules.rule(withID: "ok"))
        #expect(rule.action == .block)
        #expect(rule.category == "gambling")
        #expect(rule.language == .zh)
    }

    @Test func shippedRulesLoadAndPassTheirExamples() {
        let report = RuleSet.shipped.checkExamples()
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.passed > 0)
    }

    @Test func everyCategoryHasAChineseAndAnEnglishShippedRule() {
        for category in PolicyCategory.all {
            let languages = Set(RuleSet.shipped.rules.filter { $0.category == category.id }.map(\.language))
            #expect(languages.contains(.zh), "\(category.id) has no zh rule")
            #expect(languages.contains(.en), "\(category.id) has no en rule")
        }
    }
}
