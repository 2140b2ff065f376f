internal import Foundation
internal import Yams

/// Parses rule files into ``Rule`` values, collecting every problem instead of stopping at the first.
///
/// Pure parsing and validation: patterns are compiled once here only to report PCRE2's errors at the line
/// where the pattern is written.
struct RuleParser {
    private(set) var rules: [Rule] = []
    private(set) var problems: [RuleProblem] = []
    private var firstDefinition: [String: SourceLocation] = [:]

    private static let fileKeys = ["category", "rules"]
    private static let ruleKeys = [
        "id", "category", "action", "lang", "description", "patterns", "words", "words_file", "caseless",
        "word_boundary", "ucp", "examples",
    ]
    private static let exampleKeys = ["match", "no_match"]

    /// Parses every rule file of `source`.
    mutating func parse(_ source: RuleSource) {
        let files: [RuleSource.File]
        do {
            files = try source.ruleFiles()
        } catch {
            problems.append(error)
            return
        }
        for file in files {
            parse(file, from: source)
        }
    }

    private mutating func parse(_ file: RuleSource.File, from source: RuleSource) {
        let fileStart = SourceLocation(file: file.path, line: 1)
        let root: Node?
        do {
            root = try Yams.compose(yaml: file.contents)
        } catch let error as YamlError {
            problems.append(Self.problem(for: error, in: file.path))
            return
        } catch {
            problems.append(RuleProblem(.error, at: fileStart, rule: nil, "cannot parse YAML: \(error)"))
            return
        }
        guard let root, let mapping = root.mapping else {
            problems.append(RuleProblem(.error, at: fileStart, rule: nil, "a rule file must be a mapping with `category` and `rules`",
                                        hint: "start the file with `category: <id>` and a `rules:` list"))
            return
        }
        checkKeys(of: mapping, allowed: Self.fileKeys, in: file.path, rule: nil)
        var fileCategory: String?
        if let node = mapping["category"] {
            fileCategory = string(node, key: "category", in: file.path, rule: nil)
            if let fileCategory { checkCategory(fileCategory, at: location(of: node, in: file.path), rule: nil) }
        } else {
            problems.append(RuleProblem(.error, at: fileStart, rule: nil, "missing `category`",
                                        hint: "name the policy category of the file's rules, e.g. `category: gambling`"))
        }
        guard let rulesNode = mapping["rules"] else {
            problems.append(RuleProblem(.error, at: fileStart, rule: nil, "missing `rules`", hint: "add a `rules:` list"))
            return
        }
        guard let ruleNodes = rulesNode.sequence else {
            problems.append(RuleProblem(.error, at: location(of: rulesNode, in: file.path), rule: nil, "`rules` must be a list"))
            return
        }
        for node in ruleNodes {
            parseRule(node, fileCategory: fileCategory, file: file.path, source: source)
        }
    }

    private mutating func parseRule(_ node: Node, fileCategory: String?, file: String, source: RuleSource) {
        let at = location(of: node, in: file)
        guard let mapping = node.mapping else {
            problems.append(RuleProblem(.error, at: at, rule: nil, "a rule must be a mapping", hint: "start each rule with `- id: …`"))
            return
        }
        let problemCount = problems.count
        guard let idNode = mapping["id"], let id = string(idNode, key: "id", in: file, rule: nil), !id.isEmpty else {
            if mapping["id"] == nil {
                problems.append(RuleProblem(.error, at: at, rule: nil, "rule has no `id`", hint: "add a unique `id`, e.g. `gambling.zh.site-promotion`"))
            }
            return
        }
        if let first = firstDefinition[id] {
            problems.append(RuleProblem(.error, at: at, rule: id, "duplicate rule id", hint: "first defined at \(first); ids must be unique"))
        } else {
            firstDefinition[id] = at
        }
        checkKeys(of: mapping, allowed: Self.ruleKeys, in: file, rule: id)

        var category = fileCategory
        if let node = mapping["category"], let value = string(node, key: "category", in: file, rule: id) {
            category = value
            checkCategory(value, at: location(of: node, in: file), rule: id)
        }
        let policyCategory = category.flatMap(PolicyCategory.named)

        var action = policyCategory?.defaultAction
        if let node = mapping["action"], let value = string(node, key: "action", in: file, rule: id) {
            if let parsed = FilterAction(rawValue: value) {
                action = parsed
            } else {
                problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: id, "unknown action `\(value)`",
                                            hint: suggestion(for: value, among: FilterAction.allCases.map(\.rawValue))))
            }
        }
        var language = RuleLanguage.any
        if let node = mapping["lang"], let value = string(node, key: "lang", in: file, rule: id) {
            if let parsed = RuleLanguage(rawValue: value) {
                language = parsed
            } else {
                problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: id, "unknown lang `\(value)`",
                                            hint: "one of zh, en, any"))
            }
        }
        let description = mapping["description"].flatMap { string($0, key: "description", in: file, rule: id) }
        let caseless = mapping["caseless"].flatMap { bool($0, key: "caseless", in: file, rule: id) }
        let wordBoundary = mapping["word_boundary"].flatMap { bool($0, key: "word_boundary", in: file, rule: id) } ?? false
        let ucp = mapping["ucp"].flatMap { bool($0, key: "ucp", in: file, rule: id) } ?? false

        let patternEntries = mapping["patterns"].map { strings($0, key: "patterns", in: file, rule: id) } ?? []
        var words = mapping["words"].map { strings($0, key: "words", in: file, rule: id).map(\.text) } ?? []
        if let node = mapping["words_file"], let name = string(node, key: "words_file", in: file, rule: id) {
            if let contents = source.wordFile(name, besideRuleFile: file) {
                words += Self.wordsInWordFile(contents)
            } else {
                problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: id, "word file `\(name)` not found",
                                            hint: "put it beside \(file), one word per line"))
            }
        }
        if patternEntries.isEmpty && words.isEmpty && mapping["words_file"] == nil {
            problems.append(RuleProblem(.error, at: at, rule: id, "rule has no patterns and no words",
                                        hint: "add `patterns:` (PCRE2) or `words:` / `words_file:` (literal keywords)"))
        }
        if wordBoundary && words.isEmpty {
            problems.append(RuleProblem(.error, at: at, rule: id, "`word_boundary` applies to `words`, and the rule has none",
                                        hint: "write `\\b` in the pattern instead"))
        }
        let compileOptions = PCRE2CompileOptions(caseless: caseless ?? false, ucp: ucp)
        for (index, entry) in patternEntries.enumerated() {
            checkPattern(entry.text, number: index + 1, options: compileOptions, at: entry.location, rule: id)
        }

        var matchExamples: [Rule.Example] = []
        var noMatchExamples: [Rule.Example] = []
        if let node = mapping["examples"] {
            if let examples = node.mapping {
                checkKeys(of: examples, allowed: Self.exampleKeys, in: file, rule: id)
                matchExamples = examples["match"].map { strings($0, key: "examples.match", in: file, rule: id) }?
                    .map { Rule.Example(text: $0.text, location: $0.location) } ?? []
                noMatchExamples = examples["no_match"].map { strings($0, key: "examples.no_match", in: file, rule: id) }?
                    .map { Rule.Example(text: $0.text, location: $0.location) } ?? []
            } else {
                problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: id, "`examples` must be a mapping",
                                            hint: "write `examples: { match: [...], no_match: [...] }`"))
            }
        }
        if matchExamples.isEmpty {
            problems.append(RuleProblem(.warning, at: at, rule: id, "rule has no `match` examples",
                                        hint: "add texts it must match, so `rules test` can check it"))
        }

        let hasNewErrors = problems[problemCount...].contains { $0.severity == .error }
        guard !hasNewErrors, let category, let action else { return }
        rules.append(Rule(
            id: id, category: category, action: action, language: language, description: description,
            patterns: patternEntries.map(\.text), words: words, caseless: caseless, wordBoundary: wordBoundary, ucp: ucp,
            matchExamples: matchExamples, noMatchExamples: noMatchExamples, location: at))
    }

    // MARK: - Checks

    private mutating func checkPattern(_ pattern: String, number: Int, options: PCRE2CompileOptions, at location: SourceLocation, rule: String) {
        do {
            _ = try PCRE2Pattern(pattern, options: options)
        } catch {
            problems.append(RuleProblem(.error, at: location, rule: rule,
                                        "pattern \(number) is not valid PCRE2: \(error.error.message) at offset \(error.offset)",
                                        hint: "near `\(Self.excerpt(of: pattern, around: error.offset))`"))
            return
        }
        for risk in PatternRisk.risks(in: pattern) {
            problems.append(RuleProblem(.warning, at: location, rule: rule, "pattern \(number): \(risk.message)", hint: risk.hint))
        }
    }

    private mutating func checkCategory(_ id: String, at location: SourceLocation, rule: String?) {
        guard PolicyCategory.named(id) == nil else { return }
        problems.append(RuleProblem(.error, at: location, rule: rule, "unknown category `\(id)`",
                                    hint: suggestion(for: id, among: PolicyCategory.all.map(\.id))))
    }

    private mutating func checkKeys(of mapping: Node.Mapping, allowed: [String], in file: String, rule: String?) {
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            problems.append(RuleProblem(.error, at: location(of: key, in: file), rule: rule, "unknown key `\(name)`",
                                        hint: suggestion(for: name, among: allowed)))
        }
    }

    // MARK: - Scalars

    private mutating func string(_ node: Node, key: String, in file: String, rule: String?) -> String? {
        if let scalar = node.scalar { return scalar.string }
        problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: rule, "`\(key)` must be a single value"))
        return nil
    }

    private mutating func bool(_ node: Node, key: String, in file: String, rule: String?) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: rule, "`\(key)` must be true or false"))
            return nil
        }
    }

    /// A list of strings (a single string is taken as a list of one), each with its line.
    private mutating func strings(_ node: Node, key: String, in file: String, rule: String?) -> [(text: String, location: SourceLocation)] {
        if let scalar = node.scalar { return [(scalar.string, location(of: node, in: file))] }
        guard let sequence = node.sequence else {
            problems.append(RuleProblem(.error, at: location(of: node, in: file), rule: rule, "`\(key)` must be a list of strings"))
            return []
        }
        var result: [(text: String, location: SourceLocation)] = []
        for item in sequence {
            if let scalar = item.scalar {
                result.append((scalar.string, location(of: item, in: file)))
            } else {
                problems.append(RuleProblem(.error, at: location(of: item, in: file), rule: rule, "`\(key)` must be a list of strings",
                                            hint: "quote the item if it contains `: ` or starts with `[`, `{` or `-`"))
            }
        }
        return result
    }

    private func location(of node: Node, in file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0)
    }

    // MARK: - Helpers

    static func wordsInWordFile(_ contents: String) -> [String] {
        contents.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private static func problem(for error: YamlError, in file: String) -> RuleProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return RuleProblem(.error, at: SourceLocation(file: file, line: mark.line), rule: nil, "invalid YAML: \(problem)",
                               hint: "check indentation and quoting on this line or the one before")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RuleProblem(.error, at: SourceLocation(file: file, line: context.mark.line), rule: nil,
                               "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", "))", hint: "each key once per mapping")
        default:
            return RuleProblem(.error, at: SourceLocation(file: file, line: 1), rule: nil, "invalid YAML: \(error)")
        }
    }

    private static func excerpt(of pattern: String, around offset: Int) -> String {
        let bytes = Array(pattern.utf8)
        var start = max(0, offset - 12)
        while start > 0 && start < bytes.count && (bytes[start] & 0xC0) == 0x80 { start -= 1 }
        return String(decoding: bytes[start..<min(bytes.count, offset)], as: UTF8.self) + "«here»"
    }

    private func suggestion(for value: String, among candidates: [String]) -> String {
        let best = candidates.min { editDistance(value, $0) < editDistance(value, $1) }
        if let best, editDistance(value, best) <= max(2, value.count / 3) { return "did you mean `\(best)`?" }
        return "one of: " + candidates.joined(separator: ", ")
    }
}

/// Levenshtein distance, for "did you mean" hints.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
