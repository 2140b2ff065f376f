internal import ContentFilter
internal import Foundation

/// The checks of the ``FuzzTarget/ruleLoader`` target.
enum RuleLoaderOracle {
    /// An input that starts with this line is a pattern list (``RuleSource/patternList(_:)``); any other
    /// input is a YAML rule file.
    static let patternListMarker = Array("# patterns\n".utf8)
    /// The word file next to the rule file, for rules that name it in `words_file`.
    static let wordFile = (name: "words.txt", contents: "# words\n赌博\nbet now\n賭 場\nｐｏｒｎ\n")
    /// A text with a bit of every kind the normaliser folds, scanned with every rule set that loads.
    static let sampleText = "电话 13800138000，Free porn, 赌博 bet now. 𝐬𝐞𝐱 s.e.x ѕех 賭博 p0rn HEADLINE: ok\n新闻：大 麻烦"
    /// At most this many lines of the input are scanned as texts too.
    static let scannedInputLines = 32

    /// Loads `ruleFile` from a directory of its own: either a load error that names its problems, or a rule
    /// set whose scans of the rules' examples, of the sample text and of the input's lines pass
    /// ``ScannerOracle``'s checks, against the same rules without the prefilter.
    static func check(ruleFile: [UInt8]) throws(FuzzFailure) {
        let isPatternList = ruleFile.starts(with: patternListMarker)
        let directory = FileManager.default.temporaryDirectory.appending(path: "contentfilter-fuzz-\(UUID().uuidString)")
        let file = directory.appending(path: isPatternList ? "patterns.txt" : "rules.yaml")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(ruleFile).write(to: file)
            try Data(wordFile.contents.utf8).write(to: directory.appending(path: wordFile.name))
        } catch {
            preconditionFailure("cannot write the rule file to \(directory.path): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = isPatternList ? RuleSource.patternList(file) : .directory(directory)
        func failure(_ message: String) -> FuzzFailure {
            FuzzFailure("\(message)\nrule file: \(String(decoding: ruleFile, as: UTF8.self).debugDescription)")
        }

        let rules: RuleSet
        do {
            rules = try RuleSet(sources: [source])
        } catch {
            guard !error.errors.isEmpty, error.problems.allSatisfy({ !$0.message.isEmpty && $0.location.file.hasPrefix(directory.path) }) else {
                throw failure("a load error without an error, or with a problem that does not name the file: \(error)")
            }
            return
        }
        let baseline: RuleSet
        do {
            baseline = try RuleSet(sources: [source], usesPrefilter: false)
        } catch {
            throw failure("the rules load with the prefilter but not without it: \(error)")
        }
        // Run for what it must not do (crash, hang): its verdicts on fuzzed examples are whatever they are.
        _ = rules.checkExamples()
        let inputLines = String(decoding: ruleFile, as: UTF8.self).split(separator: "\n").prefix(scannedInputLines).map(String.init)
        let examples = rules.rules.flatMap { $0.matchExamples + $0.noMatchExamples }.map(\.text)
        for text in [sampleText] + examples + inputLines {
            do {
                try ScannerOracle.check(text: Array(text.utf8), rules: rules, baseline: baseline)
            } catch {
                throw failure(error.description)
            }
        }
    }
}
