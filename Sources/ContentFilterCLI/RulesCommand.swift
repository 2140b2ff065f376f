import ArgumentParser
import ContentFilter
import Foundation

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check, test, list and export rule sets.",
        discussion: """
            Example:
              contentfilter rules lint --rules Rules && contentfilter rules test --rules Rules
            """,
        subcommands: [Lint.self, Test.self, List.self, Export.self]
    )

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the rules and report every problem: errors, and warnings such as risky patterns.",
            discussion: """
                Exit status 1 when there are errors, 0 when there are none (warnings only).

                Example:
                  contentfilter rules lint --rules Rules
                """
        )

        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            do {
                let rules = try RuleSet(sources: ruleOptions.sources)
                for warning in rules.warnings { print(warning) }
                print("\(rules.rules.count) rules, 0 errors, \(rules.warnings.count) warnings")
            } catch {
                for problem in error.problems { print(problem) }
                print("\(error.errors.count) errors, \(error.problems.count - error.errors.count) warnings")
                throw ExitStatus.checkFailed
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every rule's examples against the whole rule set.",
            discussion: """
                A `match` example must be matched by its own rule; a `no_match` example must produce no match \
                of its own rule once the whole set, `allow` rules included, is applied. Prints each failure \
                with file:line, then `N passed, M failed`. Exit status 1 when any example fails.

                Example:
                  contentfilter rules test --rules Rules
                """
        )

        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let report = try ruleOptions.load().checkExamples()
            for failure in report.failures { print(failure) }
            print("\(report.passed) passed, \(report.failures.count) failed")
            if !report.failures.isEmpty { throw ExitStatus.checkFailed }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rules: id, category, action, language and pattern count.",
            discussion: """
                Example:
                  contentfilter rules list --json
                """
        )

        @OptionGroup var ruleOptions: RuleOptions

        @Flag(help: "Print JSON Lines: {\"id\",\"category\",\"action\",\"lang\",\"patterns\",\"words\",\"file\",\"line\"}.")
        var json = false

        private struct Row: Encodable {
            let id, category, action, lang, file: String
            let patterns, words, line: Int
        }

        func run() throws {
            for rule in try ruleOptions.load().rules {
                if json {
                    let row = Row(id: rule.id, category: rule.category, action: rule.action.rawValue, lang: rule.language.rawValue,
                                  file: rule.location.file, patterns: rule.patterns.count, words: rule.words.count, line: rule.location.line)
                    print(String(decoding: try JSONEncoder.lines.encode(row), as: UTF8.self))
                } else {
                    let count = rule.patterns.count + rule.words.count
                    print("\(rule.id)\t\(rule.category)\t\(rule.action)\t\(rule.language.rawValue)\t\(count) pattern\(count == 1 ? "" : "s")")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the rules as a pattern file: one PCRE2 pattern per line, for other engines.",
            discussion: """
                A leading `(?i)` means caseless; `#` lines name the rule of the patterns below them; words \
                are written as escaped literals.

                Example:
                  contentfilter rules export > patterns.txt
                """
        )

        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            print(try ruleOptions.load().exportedPatterns(), terminator: "")
        }
    }
}
