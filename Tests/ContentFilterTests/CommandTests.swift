import Foundation
import Testing

/// Runs the built `contentfilter` binary as a user would.
@Suite struct CommandTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `contentfilter` binary beside the test bundle.
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appending(path: "contentfilter").path) && directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appending(path: "contentfilter")
    }()

    static let fixtureRulesPath = fixturesDirectory.appending(path: "rules").path

    func run(_ arguments: [String], stdin: String = "") throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let (out, err) = readToEnd(output.fileHandleForReading, error.fileHandleForReading)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func scanPrintsJSONLinesAndExitsOneOnABlock() throws {
        let result = try run(["scan", "--rules", Self.fixtureRulesPath, "--json"], stdin: "电话13800138000，出售大麻")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 2)
        #expect(Set(lines[0].keys) == ["rule", "category", "action", "start", "end", "text"])
        #expect(lines[0]["rule"] as? String == "privacy.any.cn-mobile")
        #expect(lines[0]["start"] as? Int == 6)
        #expect(lines[0]["end"] as? Int == 17)
        #expect(lines[0]["text"] as? String == "13800138000")
        #expect(lines[1]["action"] as? String == "block")
    }

    @Test func scanExitsZeroWithoutABlockAndNamesFiles() throws {
        let directory = try temporaryDirectory(["answer.txt": "call 13800138000"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "answer.txt")
        let result = try run(["scan", "--rules", Self.fixtureRulesPath, "--json", file.path])
        #expect(result.status == 0)
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(line["file"] as? String == file.path)
        #expect(line["action"] as? String == "redact")
    }

    /// A catastrophic pattern ends at the match limit, not in a hang; its category decides the outcome.
    @Test(arguments: [
        ("illegal", Int32(1), "fail_closed: counted as a block match"),
        ("spam", Int32(0), "fail_open: the rest of the text is not searched for this rule"),
    ])
    func scanReportsALimitWithItsCategorysOutcome(_ category: String, _ status: Int32, _ outcome: String) throws {
        let directory = try temporaryDirectory(["rules.yaml": "category: \(category)\nrules:\n  - id: slow\n    patterns: ['(a+)+(?:b|cc)']\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["scan", "--rules", directory.path], stdin: "Intro. " + String(repeating: "a", count: 40) + "c")
        #expect(result.status == status)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "stdin: slow: search stopped at byte 0: match limit exceeded (\(outcome))\n")
    }

    @Test func usageAndInputErrorsExitTwo() throws {
        let usage = try run(["scan", "--no-such-flag"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("Unknown option '--no-such-flag'"))
        #expect(usage.stdout.isEmpty)
        let missing = try run(["scan", "--rules", Self.fixtureRulesPath, "/no/such/file"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/no/such/file: cannot read the file"))
        let badRules = try run(["scan", "--rules", "/no/such/dir"], stdin: "x")
        #expect(badRules.status == 2)
        #expect(badRules.stderr.contains("rule directory does not exist"))
    }

    @Test func rulesThatCannotBeReadAreNamedWithTheirPath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lintEmpty = try run(["rules", "lint", "--rules", directory.path])
        #expect(lintEmpty.status == 1)
        #expect(lintEmpty.stdout == "\(directory.path):0: the directory is empty (hint: rule files end in .yaml or .yml)\n1 errors, 0 warnings\n")
        try FileManager.default.createDirectory(at: directory.appending(path: "folder.yaml"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: directory.appending(path: "link.yml").path, withDestinationPath: "gone.yaml")
        let scan = try run(["scan", "--rules", directory.path], stdin: "text")
        #expect(scan.status == 2)
        #expect(scan.stdout.isEmpty)
        #expect(scan.stderr.contains("\(directory.path)/folder.yaml:0: rule file is a directory, not a file (hint: "))
        #expect(scan.stderr.contains("\(directory.path)/link.yml:0: rule file is a symbolic link to `gone.yaml`, which does not exist (hint: "))
        #expect(scan.stderr.hasSuffix("error: the rules did not load (2 error(s))\n"))
    }

    @Test func rulesLintAndTestOnTheShippedRules() throws {
        let lint = try run(["rules", "lint"])
        #expect(lint.status == 0, "\(lint.stdout)")
        #expect(lint.stdout.contains(" 0 errors"))
        let test = try run(["rules", "test"])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdout.hasSuffix(" passed, 0 failed\n"))
    }

    @Test func rulesLintFailsOnErrors() throws {
        let directory = try temporaryDirectory(["spam.yaml": "category: spam\nrules:\n  - id: x\n    patterns: ['(']\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let lint = try run(["rules", "lint", "--rules", directory.path])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("spam.yaml:4: x: pattern 1 is not valid PCRE2"))
    }

    @Test func rulesTestReportsFailuresWithFileAndLine() throws {
        let yaml = "category: spam\nrules:\n  - id: x\n    words: [buy]\n    examples:\n      match: ['sell']\n      no_match: ['buy now']\n"
        let directory = try temporaryDirectory(["spam.yaml": yaml])
        defer { try? FileManager.default.removeItem(at: directory) }
        let test = try run(["rules", "test", "--rules", directory.path])
        #expect(test.status == 1)
        #expect(test.stdout.contains("spam.yaml:6: x: match example not matched: \"sell\""))
        #expect(test.stdout.contains("spam.yaml:7: x: no_match example matched: \"buy now\""))
        // Each evasion of the no_match example is checked too.
        #expect(test.stdout.contains("spam.yaml:7: x: no_match example matched when full-width: \"ｂｕｙ ｎｏｗ\""))
        #expect(test.stdout.hasSuffix("0 passed, 7 failed\n"))
    }

    @Test func rulesListAndExport() throws {
        let list = try run(["rules", "list", "--json", "--rules", Self.fixtureRulesPath])
        #expect(list.status == 0)
        let first = try JSONSerialization.jsonObject(with: Data(list.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        #expect(first["id"] as? String == "adult.en.words")
        #expect(first["words"] as? Int == 2)
        let export = try run(["rules", "export", "--rules", Self.fixtureRulesPath])
        #expect(export.status == 0)
        #expect(export.stdout.contains("# privacy.any.cn-mobile (privacy, redact, any)\n(?<!\\d)1[3-9]\\d{9}(?!\\d)\n"))
        #expect(export.stdout.contains("(?i)(?<![A-Za-z0-9_])sex chat(?![A-Za-z0-9_])"))
    }

    @Test func evalCountsPerCategoryAndLanguage() throws {
        let file = fixturesDirectory.appending(path: "evaluation/sample.jsonl").path
        let result = try run(["eval", "--json", "--rules", Self.fixtureRulesPath, file])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(report["rows"] as? Int == 10)
        #expect(report["unjudged_rows"] as? Int == 1)
        let rows = report["categories"] as! [[String: Any]]
        func row(_ category: String, _ lang: String) -> [String: Any] {
            rows.first { $0["category"] as? String == category && $0["lang"] as? String == lang }!
        }
        // One gambling positive caught, one missed, nothing else flagged as gambling.
        #expect(row("gambling", "zh")["tp"] as? Int == 1)
        #expect(row("gambling", "zh")["fn"] as? Int == 1)
        #expect(row("gambling", "zh")["precision"] as? Double == 1)
        #expect(row("gambling", "zh")["recall"] as? Double == 0.5)
        // The benign "Call us at …" row is redacted: a privacy false positive and a benign false positive.
        #expect(row("privacy", "en")["fp"] as? Int == 1)
        #expect(row("privacy", "en")["precision"] as? Double == 0)
        #expect(row("privacy", "zh")["recall"] as? Double == 1)
        let benign = report["benign"] as! [String: [String: Any]]
        #expect(benign["en"]?["rows"] as? Int == 3)
        #expect(benign["en"]?["false_positives"] as? Int == 1)
        #expect(benign["zh"]?["false_positives"] as? Int == 0)
    }

    @Test func evalRejectsMalformedRowsWithTheirLine() throws {
        let directory = try temporaryDirectory(["rows.jsonl": "{\"text\": \"ok\", \"labels\": [], \"lang\": \"en\"}\n{\"text\": 3}\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "rows.jsonl").path
        let result = try run(["eval", "--rules", Self.fixtureRulesPath, path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):2: not a row"))
        #expect(result.stdout.isEmpty)
    }

    @Test func everyCommandHasHelpWithAnExample() throws {
        for command in [["filter"], ["scan"], ["eval"], ["bench"], ["rules", "lint"], ["rules", "test"], ["rules", "list"], ["rules", "export"]] {
            let help = try run(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("contentfilter " + command.joined(separator: " ")), "\(command)")
        }
    }
}
