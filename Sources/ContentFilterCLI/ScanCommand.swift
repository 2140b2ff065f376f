import ArgumentParser
import ContentFilter
import Foundation

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan whole texts and print the matches that take effect.",
        discussion: """
            Prints one line per match: file, byte range (end exclusive), action, category, rule and the \
            matched text. Exit status 1 when any match blocks, 0 otherwise (redact, disclaim and flag \
            matches included). A search that hits a PCRE2 limit is reported on stderr; in a category that \
            fails closed it counts as a match (so a blocking rule's failure exits 1).

            Examples:
              contentfilter scan Examples/sample-chat.txt
              echo "联系我：13800138000" | contentfilter scan --json
            """
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Flag(help: "Print JSON Lines: {\"rule\",\"category\",\"action\",\"start\",\"end\",\"text\"}, plus \"file\" when files are given.")
    var json = false

    @Argument(help: ArgumentHelp("Files to scan (stdin when none).", valueName: "file"))
    var files: [String] = []

    func run() throws {
        let rules = try ruleOptions.load()
        var blocked = false
        for path in files.isEmpty ? ["-"] : files {
            let result = rules.scan(bytes: try readInput(path))
            let file = files.isEmpty ? nil : path
            for match in result.matches {
                blocked = blocked || match.action == .block
                print(json ? try jsonLine(match, file: file) : textLine(match, file: file))
            }
            for failure in result.failures {
                guard let rule = rules.rule(withID: failure.rule) else { continue }
                // As in a stream, the rule's category decides: fail closed counts the failed search as a match.
                let policy = FilterConfiguration().overflowPolicy(for: rule.category)
                blocked = blocked || (policy == .failClosed && rule.action == .block)
                let outcome = policy == .failClosed ? "counted as a \(rule.action) match" : "the rest of the text is not searched for this rule"
                printError("\(file ?? "stdin"): \(failure.rule): search stopped at byte \(failure.offset): \(failure.error) (\(policy.rawValue): \(outcome))")
            }
        }
        if blocked { throw ExitStatus.checkFailed }
    }

    private func textLine(_ match: RuleMatch, file: String?) -> String {
        let place = file.map { "\($0):" } ?? ""
        return "\(place)\(match.start)-\(match.end)\t\(match.action)\t\(match.category)\t\(match.rule)\t\(match.text.debugDescription)"
    }

    private struct JSONMatch: Encodable {
        let match: RuleMatch
        let file: String?

        enum CodingKeys: String, CodingKey { case rule, category, action, start, end, text, file }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(match.rule, forKey: .rule)
            try container.encode(match.category, forKey: .category)
            try container.encode(match.action, forKey: .action)
            try container.encode(match.start, forKey: .start)
            try container.encode(match.end, forKey: .end)
            try container.encode(match.text, forKey: .text)
            try container.encodeIfPresent(file, forKey: .file)
        }
    }

    private func jsonLine(_ match: RuleMatch, file: String?) throws -> String {
        String(decoding: try JSONEncoder.lines.encode(JSONMatch(match: match, file: file)), as: UTF8.self)
    }
}
