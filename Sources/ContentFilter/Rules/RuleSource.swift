public import Foundation

/// Where rule files come from: the set shipped inside the library, or a directory on disk.
///
/// Rule files are the `*.yaml` and `*.yml` files at the top of the source; a rule's `words_file` names a
/// plain-text file relative to the rule file's directory.
public enum RuleSource: Sendable, Hashable {
    /// The rule files embedded in the library at build time from the package's `Rules/` directory.
    case shipped
    /// A directory of rule files.
    case directory(URL)
    /// A plain pattern list, the benchmark format: one PCRE2 pattern per line (UTF mode, a leading `(?i)`
    /// for caseless); blank lines and lines starting with `#` are skipped. Each pattern becomes a `flag` rule
    /// of category ``PolicyCategory/patternListCategory`` whose id is the file name and the pattern's
    /// 0-based index, e.g. `patterns-1000.txt:17`.
    case patternList(URL)

    /// A rule file's name (as shown in problems) and contents.
    struct File {
        let path: String
        let contents: String

        /// The file's name without its directory: what identifies it wherever the directory lies.
        var name: String { path.split(separator: "/").last.map(String.init) ?? path }
    }

    /// Reads the rule files, sorted by name.
    func ruleFiles() throws(RuleProblem) -> [File] {
        switch self {
        case .shipped:
            return shippedRuleFiles.filter { Self.isRuleFile($0.name) }.map { File(path: "Rules/\($0.name)", contents: $0.contents) }
        case .patternList(let url):
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw RuleProblem(.error, at: SourceLocation(file: url.path, line: 0), rule: nil, "cannot read the pattern file", hint: "check that it exists and is readable")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw RuleProblem(.error, at: SourceLocation(file: url.path, line: 0), rule: nil, "the file is not valid UTF-8", hint: "save it as UTF-8")
            }
            return [File(path: url.path, contents: text)]
        case .directory(let url):
            let location = SourceLocation(file: url.path, line: 0)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw RuleProblem(.error, at: location, rule: nil, "rule directory does not exist", hint: "pass a directory of *.yaml rule files")
            }
            guard isDirectory.boolValue else {
                throw RuleProblem(.error, at: location, rule: nil, "not a directory", hint: "pass the directory that holds the *.yaml rule files")
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter(Self.isRuleFile).sorted()
            } catch {
                throw RuleProblem(.error, at: location, rule: nil, "cannot read the directory: \(error.localizedDescription)")
            }
            guard !names.isEmpty else {
                throw RuleProblem(.error, at: location, rule: nil, "no rule files in this directory", hint: "rule files end in .yaml or .yml")
            }
            var files: [File] = []
            for name in names {
                let fileURL = url.appending(path: name)
                guard let data = FileManager.default.contents(atPath: fileURL.path) else {
                    throw RuleProblem(.error, at: SourceLocation(file: fileURL.path, line: 0), rule: nil, "cannot read the file", hint: "check its permissions")
                }
                guard let text = String(validating: data, as: UTF8.self) else {
                    throw RuleProblem(.error, at: SourceLocation(file: fileURL.path, line: 0), rule: nil, "the file is not valid UTF-8", hint: "save it as UTF-8")
                }
                files.append(File(path: fileURL.path, contents: text))
            }
            return files
        }
    }

    /// The contents of a word file named in the rule file at `ruleFilePath`, or `nil` if there is none.
    func wordFile(_ name: String, besideRuleFile ruleFilePath: String) -> String? {
        switch self {
        case .shipped:
            return shippedRuleFiles.first { $0.name == name }?.contents
        case .patternList:
            return nil
        case .directory:
            let url = URL(fileURLWithPath: ruleFilePath).deletingLastPathComponent().appending(path: name)
            return FileManager.default.contents(atPath: url.path).flatMap { String(validating: $0, as: UTF8.self) }
        }
    }

    private static func isRuleFile(_ name: String) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }
}
