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

    /// Reads the rule files, sorted by name, with a problem for each file that cannot be read (the others
    /// are still read, so that every problem is reported at once).
    func ruleFiles() -> (files: [File], problems: [RuleProblem]) {
        switch self {
        case .shipped:
            return (shippedRuleFiles.filter { Self.isRuleFile($0.name) }.map { File(path: "Rules/\($0.name)", contents: $0.contents) }, [])
        case .patternList(let url):
            switch Self.text(ofFile: url.path) {
            case .success(let text): return ([File(path: url.path, contents: text)], [])
            case .failure(let problem): return ([], [problem.ruleProblem(at: url.path, subject: "pattern file", hint: "check the path")])
            }
        case .directory(let url):
            let location = SourceLocation(file: url.path, line: 0)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                return ([], [RuleProblem(.error, at: location, rule: nil, "rule directory does not exist", hint: "pass a directory of *.yaml rule files")])
            }
            guard isDirectory.boolValue else {
                return ([], [RuleProblem(.error, at: location, rule: nil, "not a directory", hint: "pass the directory that holds the *.yaml rule files")])
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            } catch {
                return ([], [RuleProblem(.error, at: location, rule: nil, "cannot read the directory: \(error.localizedDescription)")])
            }
            let names = entries.filter(Self.isRuleFile)
            guard !names.isEmpty else {
                let found = entries.isEmpty ? "the directory is empty"
                    : "the directory holds no rule files, only \(entries.count) other \(entries.count == 1 ? "entry" : "entries"): "
                        + entries.prefix(3).map { "`\($0)`" }.joined(separator: ", ") + (entries.count > 3 ? ", …" : "")
                return ([], [RuleProblem(.error, at: location, rule: nil, found, hint: "rule files end in .yaml or .yml")])
            }
            var files: [File] = []
            var problems: [RuleProblem] = []
            for name in names {
                let path = url.appending(path: name).path
                switch Self.text(ofFile: path) {
                case .success(let text): files.append(File(path: path, contents: text))
                case .failure(let problem): problems.append(problem.ruleProblem(at: path, subject: "rule file", hint: nil))
                }
            }
            return (files, problems)
        }
    }

    /// The contents of a word file named in the rule file at `ruleFilePath`, or why it cannot be read.
    func wordFile(_ name: String, besideRuleFile ruleFilePath: String) -> Result<String, FileProblem> {
        switch self {
        case .shipped:
            return shippedRuleFiles.first { $0.name == name }.map { .success($0.contents) } ?? .failure(.notFound)
        case .patternList:
            return .failure(.notFound)
        case .directory:
            return Self.text(ofFile: URL(fileURLWithPath: ruleFilePath).deletingLastPathComponent().appending(path: name).path)
        }
    }

    /// Why a file named in the rules cannot be read.
    enum FileProblem: Error, Equatable {
        case notFound
        /// A symbolic link whose target does not exist.
        case danglingLink(target: String)
        case directory
        /// A FIFO, socket or device: reading it could block or never end.
        case notRegularFile
        case unreadable(reason: String)
        case notUTF8

        /// What is wrong, said of the file ("word file `x.txt` " + message).
        var message: String {
            switch self {
            case .notFound: "not found"
            case .danglingLink(let target): "is a symbolic link to `\(target)`, which does not exist"
            case .directory: "is a directory, not a file"
            case .notRegularFile: "is not a regular file (a FIFO, socket or device)"
            case .unreadable(let reason): "cannot be read: \(reason)"
            case .notUTF8: "is not valid UTF-8"
            }
        }

        var hint: String? {
            switch self {
            case .notFound: nil
            case .danglingLink: "point the link at an existing file, or remove it"
            case .directory, .notRegularFile: "rules and word lists are read from plain files; rename or move this one"
            case .unreadable: "check its permissions"
            case .notUTF8: "save it as UTF-8"
            }
        }

        /// The problem as an error at the start of the file at `path`.
        func ruleProblem(at path: String, subject: String, hint fallbackHint: String?) -> RuleProblem {
            RuleProblem(.error, at: SourceLocation(file: path, line: 0), rule: nil, "\(subject) \(message)", hint: hint ?? fallbackHint)
        }
    }

    /// The text of the file at `path` (following symbolic links), if it is a readable regular file of UTF-8.
    static func text(ofFile path: String) -> Result<String, FileProblem> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(.notFound) }
        if info.st_mode & S_IFMT == S_IFLNK && stat(path, &info) != 0 {
            return .failure(.danglingLink(target: (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.directory)
        default: return .failure(.notRegularFile)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            return .failure(.unreadable(reason: underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription))
        }
        guard let text = String(validating: data, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }

    private static func isRuleFile(_ name: String) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }
}
