internal import Foundation
internal import Yams

/// Parses rule files into ``Rule`` values, collecting every problem instead of stopping at the first.
///
/// Patterns are compiled once here, only to report PCRE2's errors at the line where the pattern is written.
struct RuleParser {
    private(set) var rules: [Rule] = []
    private(set) var problems: [RuleProblem] = []
    private var firstDefinition: [String: SourceLocation] = [:]
    /// The names and contents of every file read, in order.
    private(set) var contentHash = ContentHash()

    private static let fileKeys = ["category", "rules"]
    private static let ruleKeys = [
        "id", "category", "action", "lang", "description", "patterns", "words", "words_file", "caseless",
        "word_boundary", "word_variants", "homophones", "ucp", "verify", "normalize", "examples",
    ]
    private static let exampleKeys = ["match", "no_match"]

    /// Parses every rule file of `source`.
    mutating func parse(_ source: RuleSource) {
        let (files, fileProblems) = source.ruleFiles()
        problems += fileProblems
        for file in files {
            contentHash.combine(file.name)
            contentHash.combine(file.contents)
            if case .patternList = source {
                parsePatternList(file)
                continue
            }
            var reader = YAMLReader(file: file.path)
            parse(file, from: source, with: &reader)
            problems += reader.problems
        }
    }

    private mutating func parse(_ file: RuleSource.File, from source: RuleSource, with reader: inout YAMLReader) {
        guard let root = reader.compose(file.contents) else {
            if reader.problems.isEmpty { reader.report(.error, line: 1, "the file is empty", hint: "start it with `category: <id>` and a `rules:` list") }
            return
        }
        guard let mapping = reader.mapping(root, key: "the file", hint: "start the file with `category: <id>` and a `rules:` list") else { return }
        reader.checkKeys(of: mapping, allowed: Self.fileKeys)
        var fileCategory: String?
        if let node = mapping["category"] {
            fileCategory = reader.string(node, key: "category")
            if let fileCategory { checkCategory(fileCategory, at: node, with: &reader) }
        } else {
            reader.report(.error, line: 1, "missing `category`", hint: "name the policy category of the file's rules, e.g. `category: gambling`")
        }
        guard let rulesNode = mapping["rules"] else {
            reader.report(.error, line: 1, "missing `rules`", hint: "add a `rules:` list")
            return
        }
        guard let ruleNodes = rulesNode.sequence else {
            reader.report(.error, at: rulesNode, "`rules` must be a list")
            return
        }
        for node in ruleNodes {
            reader.rule = nil
            parseRule(node, fileCategory: fileCategory, source: source, with: &reader)
        }
    }

    private mutating func parseRule(_ node: Node, fileCategory: String?, source: RuleSource, with reader: inout YAMLReader) {
        let at = reader.location(of: node)
        guard let mapping = reader.mapping(node, key: "a rule", hint: "start each rule with `- id: …`") else { return }
        let problemCount = reader.problems.count
        guard let idNode = mapping["id"] else {
            reader.report(.error, at: node, "rule has no `id`", hint: "add a unique `id`, e.g. `gambling.zh.site-promotion`")
            return
        }
        guard let id = reader.string(idNode, key: "id"), !id.isEmpty else { return }
        reader.rule = id
        if let first = firstDefinition[id] {
            reader.report(.error, at: node, "duplicate rule id", hint: "first defined at \(first); ids must be unique")
        } else {
            firstDefinition[id] = at
        }
        reader.checkKeys(of: mapping, allowed: Self.ruleKeys)

        var category = fileCategory
        if let node = mapping["category"], let value = reader.string(node, key: "category") {
            category = value
            checkCategory(value, at: node, with: &reader)
        }
        let action = mapping["action"].map { reader.choice($0, key: "action", as: FilterAction.self) }
            ?? category.flatMap(PolicyCategory.named)?.defaultAction
        let language = mapping["lang"].flatMap { reader.choice($0, key: "lang", as: RuleLanguage.self) } ?? .any
        let description = mapping["description"].flatMap { reader.string($0, key: "description") }
        let caseless = mapping["caseless"].flatMap { reader.bool($0, key: "caseless") }
        let wordBoundary = mapping["word_boundary"].flatMap { reader.bool($0, key: "word_boundary") } ?? false
        let ucp = mapping["ucp"].flatMap { reader.bool($0, key: "ucp") } ?? false
        let verifier = mapping["verify"].flatMap { reader.choice($0, key: "verify", as: MatchVerifier.self) }
        let (normalizationOff, normalizationReason) = mapping["normalize"].map { parseNormalize($0, with: &reader) } ?? ([], nil)

        let patternEntries = mapping["patterns"].map { reader.strings($0, key: "patterns") } ?? []
        var words = mapping["words"].map { reader.strings($0, key: "words").map(\.text) } ?? []
        if let node = mapping["words_file"], let name = reader.string(node, key: "words_file") {
            switch source.wordFile(name, besideRuleFile: reader.file) {
            case .success(let contents):
                contentHash.combine(name)
                contentHash.combine(contents)
                words += Self.wordsInWordFile(contents)
            case .failure(let problem):
                reader.report(.error, at: node, "word file `\(name)` \(problem.message)", hint: problem.hint ?? "put it beside \(reader.file), one word per line")
            }
        }
        if patternEntries.isEmpty && words.isEmpty && mapping["words_file"] == nil {
            reader.report(.error, at: node, "rule has no patterns and no words",
                          hint: "add `patterns:` (PCRE2) or `words:` / `words_file:` (literal keywords)")
        }
        let wordVariants = Set(mapping["word_variants"].map { node in
            reader.strings(node, key: "word_variants").compactMap { name, location -> WordVariant? in
                if let variant = WordVariant(rawValue: name) { return variant }
                reader.append(RuleProblem(.error, at: location, rule: reader.rule, "unknown word variant `\(name)`",
                                          hint: YAMLReader.suggestion(for: name, among: WordVariant.allCases.map(\.rawValue))))
                return nil
            }
        } ?? [])
        var homophones: [String: [String]] = [:]
        if let node = mapping["homophones"],
           let entries = reader.mapping(node, key: "homophones", hint: "write `homophones: {博彩: [菠菜]}`: each word with the homophones it also matches") {
            for (key, value) in entries {
                guard let word = reader.string(key, key: "homophones") else { continue }
                if !words.contains(word) {
                    reader.report(.error, at: key, "`homophones` names `\(word)`, which is not one of the rule's words", hint: "list it in `words` too")
                }
                homophones[word] = reader.strings(value, key: "homophones.\(word)").map(\.text)
            }
        }
        if (!wordVariants.isEmpty || !homophones.isEmpty) && !words.contains(where: { $0.unicodeScalars.contains { CharacterFolding.shared.kind(of: $0.value) == .han } }) {
            reader.report(.error, at: node, "`word_variants` and `homophones` apply to Chinese `words`, and the rule has none",
                          hint: "add the Chinese keywords to `words`")
        }
        if wordBoundary && words.isEmpty {
            reader.report(.error, at: node, "`word_boundary` applies to `words`, and the rule has none", hint: "write `\\b` in the pattern instead")
        }
        let compileOptions = PCRE2CompileOptions(caseless: caseless ?? false, ucp: ucp)
        for (index, entry) in patternEntries.enumerated() {
            checkPattern(entry.text, number: index + 1, options: compileOptions, at: entry.location, with: &reader)
            checkNormalForm(entry.text, number: index + 1, options: compileOptions, steps: Normalization.all.subtracting(normalizationOff),
                            at: entry.location, with: &reader)
        }

        var matchExamples: [Rule.Example] = []
        var noMatchExamples: [Rule.Example] = []
        if let node = mapping["examples"],
           let examples = reader.mapping(node, key: "examples", hint: "write `examples: { match: [...], no_match: [...] }`") {
            reader.checkKeys(of: examples, allowed: Self.exampleKeys)
            matchExamples = examples["match"].map { reader.strings($0, key: "examples.match") }?
                .map { Rule.Example(text: $0.text, location: $0.location) } ?? []
            noMatchExamples = examples["no_match"].map { reader.strings($0, key: "examples.no_match") }?
                .map { Rule.Example(text: $0.text, location: $0.location) } ?? []
        }
        if matchExamples.isEmpty {
            reader.report(.warning, at: node, "rule has no `match` examples", hint: "add texts it must match, so `rules test` can check it")
        }

        guard !reader.hasErrors(since: problemCount), let category, let action else { return }
        rules.append(Rule(
            id: id, category: category, action: action, language: language, description: description,
            patterns: patternEntries.map(\.text), words: words, caseless: caseless, wordBoundary: wordBoundary,
            wordVariants: wordVariants, homophones: homophones, ucp: ucp, verifier: verifier,
            normalizationOff: normalizationOff, normalizationReason: normalizationReason, matchExamples: matchExamples, noMatchExamples: noMatchExamples, location: at))
    }

    /// `normalize: {off: [step, …], reason: …}`: the normalisation steps a rule turns off, and why.
    private func parseNormalize(_ node: Node, with reader: inout YAMLReader) -> (Normalization, String?) {
        let hint = "write `normalize: {off: [noise], reason: why the rule needs the text unfolded}`"
        guard let mapping = reader.mapping(node, key: "normalize", hint: hint) else { return ([], nil) }
        reader.checkKeys(of: mapping, allowed: ["off", "reason"])
        let names = mapping["off"].map { reader.strings($0, key: "normalize.off") } ?? []
        var off: Normalization = []
        for (name, location) in names {
            if let step = Normalization.step(named: name) {
                off.insert(step)
            } else {
                reader.append(RuleProblem(.error, at: location, rule: reader.rule, "unknown normalisation step `\(name)`",
                                          hint: YAMLReader.suggestion(for: name, among: Normalization.stepsByName.map(\.name))))
            }
        }
        if names.isEmpty { reader.report(.error, at: node, "`normalize` turns no step off", hint: hint) }
        let reason = mapping["reason"].flatMap { reader.string($0, key: "normalize.reason") }
        if reason?.isEmpty ?? true {
            reader.report(.error, at: node, "`normalize` needs a `reason`", hint: "say why the rule must see the text without these steps")
        }
        return (off, reason)
    }

    /// One `flag` rule per pattern line (see ``RuleSource/patternList(_:)``).
    private mutating func parsePatternList(_ file: RuleSource.File) {
        var reader = YAMLReader(file: file.path)
        let name = URL(fileURLWithPath: file.path).lastPathComponent
        var index = 0
        for (offset, line) in file.contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let pattern = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
            let id = "\(name):\(index)"
            let location = SourceLocation(file: file.path, line: offset + 1)
            index += 1
            reader.rule = id
            let problemCount = reader.problems.count
            checkPattern(pattern, number: 1, options: PCRE2CompileOptions(), at: location, with: &reader)
            guard !reader.hasErrors(since: problemCount) else { continue }
            rules.append(Rule(
                id: id, category: PolicyCategory.patternListCategory, action: .flag, language: .any, description: nil,
                patterns: [pattern], words: [], caseless: nil, wordBoundary: false, wordVariants: [], homophones: [:], ucp: false, verifier: nil,
                normalizationOff: .case, normalizationReason: "a pattern list says caseless with a leading (?i)", matchExamples: [], noMatchExamples: [], location: location))
        }
        if index == 0 {
            reader.report(.error, line: 1, "the pattern file has no patterns", hint: "one PCRE2 pattern per line; `#` starts a comment line")
        }
        problems += reader.problems
    }

    // MARK: - Checks

    private func checkPattern(_ pattern: String, number: Int, options: PCRE2CompileOptions, at location: SourceLocation, with reader: inout YAMLReader) {
        do {
            _ = try PCRE2Pattern(pattern, options: options, jit: false)
        } catch {
            reader.append(RuleProblem(.error, at: location, rule: reader.rule,
                                      "pattern \(number) is not valid PCRE2: \(error.error.message) at offset \(error.offset)",
                                      hint: "near `\(Self.excerpt(of: pattern, around: error.offset))`"))
            return
        }
        for risk in PatternRisk.risks(in: pattern) {
            reader.append(RuleProblem(.warning, at: location, rule: reader.rule, "pattern \(number): \(risk.message)", hint: risk.hint))
        }
    }

    /// Rules match the normalised text, so a literal the normalisation changes in context (`a.b.c`, `赌 博`)
    /// can never match as written: a warning names the form to write. (Characters it replaces one by one,
    /// `賭` or `ｓ`, are replaced in the pattern too.)
    private func checkNormalForm(_ pattern: String, number: Int, options: PCRE2CompileOptions, steps: Normalization,
                                 at location: SourceLocation, with reader: inout YAMLReader) {
        let folded = CharacterFolding.shared.foldingCharacters(ofPattern: pattern, steps: steps)
        // A pattern whose source the normalisation leaves alone has no literal it changes (a quick test
        // that spares most patterns the literal extraction).
        guard TextNormalizer.normalize(folded, steps: steps) != folded,
              let required = LiteralExtractor.requiredLiterals(of: folded, caseless: options.caseless, ucp: options.ucp) else { return }
        for literal in required.literals + (required.leading?.literals ?? []) {
            let text = String(decoding: literal.bytes, as: UTF8.self)
            let normal = TextNormalizer.normalize(text, steps: steps)
            guard normal != text else { continue }
            reader.append(RuleProblem(.warning, at: location, rule: reader.rule,
                                      "pattern \(number): `\(text)` reads `\(normal)` once the text is normalised, so it never matches as written",
                                      hint: "write `\(normal)`, or turn the step off for the rule with `normalize: {off: [...], reason: ...}`"))
            return
        }
    }

    private func checkCategory(_ id: String, at node: Node, with reader: inout YAMLReader) {
        guard PolicyCategory.named(id) == nil else { return }
        reader.report(.error, at: node, "unknown category `\(id)`", hint: YAMLReader.suggestion(for: id, among: PolicyCategory.all.map(\.id)))
    }

    // MARK: - Helpers

    static func wordsInWordFile(_ contents: String) -> [String] {
        contents.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private static func excerpt(of pattern: String, around offset: Int) -> String {
        let bytes = Array(pattern.utf8)
        var start = max(0, offset - 12)
        while start > 0 && start < bytes.count && (bytes[start] & 0xC0) == 0x80 { start -= 1 }
        return String(decoding: bytes[start..<min(bytes.count, offset)], as: UTF8.self) + "«here»"
    }
}
