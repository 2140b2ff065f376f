import ArgumentParser
import ContentFilter
import Foundation

/// `contentfilter`: filters chatbot output against the usage policy's rules.
struct ContentFilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contentfilter",
        abstract: "Filter chatbot output against usage-policy rules.",
        discussion: """
            Exit status: 0 success; 1 the thing checked failed (a `block` match, lint errors, failing rule \
            examples); 2 usage, rule, configuration or I/O error.

            Example:
              echo "给你推荐几个靠谱的博彩网站" | contentfilter scan
            """,
        subcommands: [FilterCommand.self, ScanCommand.self, RulesCommand.self, EvalCommand.self, BenchCommand.self]
    )
}

/// The documented exit statuses, the same for every subcommand.
enum ExitStatus {
    static let success = ExitCode(0)
    /// The thing checked failed: a block, lint errors, failing examples.
    static let checkFailed = ExitCode(1)
    /// Usage, rule, configuration or I/O error.
    static let usageOrInputError = ExitCode(2)
}

/// Which rules a command uses.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Load rules from this directory instead of the shipped set (repeatable).", valueName: "dir"))
    var directories: [String] = []

    @Option(name: .customLong("extra-rules"), help: ArgumentHelp("Load this directory's rules in addition (repeatable).", valueName: "dir"))
    var extraDirectories: [String] = []

    @Option(help: ArgumentHelp(
        "The normalisation steps that fold evasive spellings before rules match: all (the default), none, or a comma-separated list of width, case, invisible, noise, traditional, lookalikes, leet.",
        valueName: "steps"), transform: parseNormalization)
    var normalize: Normalization = .all

    var sources: [RuleSource] {
        let base: [RuleSource] = directories.isEmpty ? [.shipped] : directories.map { .directory(URL(fileURLWithPath: $0)) }
        return base + extraDirectories.map { .directory(URL(fileURLWithPath: $0)) }
    }

    /// Loads the rule set, or prints every problem to stderr and exits with status 2.
    func load(sources: [RuleSource]? = nil, usesPrefilter: Bool = true) throws -> RuleSet {
        try reportingProblems { () throws(RuleLoadError) in
            try RuleSet(sources: sources ?? self.sources, usesPrefilter: usesPrefilter, normalization: normalize)
        }
    }

    /// Loads the rule set as one that can be reloaded, or prints every problem to stderr and exits with status 2.
    func loadLive() throws -> LiveRuleSet {
        try reportingProblems { () throws(RuleLoadError) in try LiveRuleSet(sources: sources, normalization: normalize) }
    }

    private func reportingProblems<Loaded>(_ load: () throws(RuleLoadError) -> Loaded) throws -> Loaded {
        do {
            return try load()
        } catch {
            for problem in error.problems { printError(problem.description) }
            printError("error: the rules did not load (\(error.errors.count) error(s))")
            throw ExitStatus.usageOrInputError
        }
    }
}

/// The value of `--normalize`: `all`, `none`, or step names separated by commas.
func parseNormalization(_ argument: String) throws -> Normalization {
    switch argument {
    case "all": return .all
    case "none": return []
    default:
        var steps: Normalization = []
        for name in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let step = Normalization.step(named: name) else {
                let names = Normalization.stepsByName.map(\.name).joined(separator: ", ")
                throw ValidationError("unknown normalisation step `\(name)`: use all, none, or steps from \(names)")
            }
            steps.insert(step)
        }
        return steps
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reads a whole file, or stdin for `-`; exits with status 2 on an I/O error.
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("error: \(path): cannot read the file")
        throw ExitStatus.usageOrInputError
    }
    return data
}

extension JSONEncoder {
    /// Compact, key-sorted JSON: one object per line.
    static let lines: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
