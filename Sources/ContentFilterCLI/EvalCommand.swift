import ArgumentParser
import ContentFilter
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a rule set's precision and recall on labelled texts.",
        discussion: """
            Each input line is a JSON object: {"text": "...", "labels": ["gambling", ...], "lang": "zh"}. \
            `labels` holds category ids; an empty list or ["benign"] marks benign text. A category is \
            predicted for a row when a match of it takes effect (allow rules and overlaps applied). Prints, \
            per category and language: true positives, false positives, false negatives, precision, recall \
            and F1; then, per language, the share of benign rows with a `block` or `redact` match. Rows with \
            a label that is not a category id are counted and reported, not judged. A line that is not such \
            an object is an error (status 2).

            With --evasion, each labelled row is first rewritten with that evasion (spaced, full-width, \
            zero-width, traditional, mixed-case, look-alikes), applied to the part of the row that a match of \
            one of its categories covers (the whole row when none does): recall then shows whether the \
            normalisation catches the evaded spelling.

            Example:
              contentfilter eval Tests/Evaluation/*.jsonl
              contentfilter eval --evasion spaced Tests/Evaluation/*.jsonl
            """
    )

    @OptionGroup var ruleOptions: RuleOptions

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(help: ArgumentHelp("Rewrite each labelled row with this evasion first: \(Evasion.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "evasion"), transform: { name in
        guard let evasion = Evasion(rawValue: name) else {
            throw ValidationError("unknown evasion `\(name)`: use one of \(Evasion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return evasion
    })
    var evasion: Evasion?

    @Argument(help: ArgumentHelp("JSON Lines files of labelled rows.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one JSON Lines file") }
    }

    private struct Row: Decodable {
        let text: String
        let labels: [String]
        let lang: String
    }

    struct Counts: Encodable {
        var category: String
        var lang: String
        var tp = 0, fp = 0, fn = 0
        var precision: Double? { tp + fp == 0 ? nil : Double(tp) / Double(tp + fp) }
        var recall: Double? { tp + fn == 0 ? nil : Double(tp) / Double(tp + fn) }
        var f1: Double? {
            guard let precision, let recall, precision + recall > 0 else { return nil }
            return 2 * precision * recall / (precision + recall)
        }

        enum CodingKeys: String, CodingKey { case category, lang, tp, fp, fn, precision, recall, f1 }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(category, forKey: .category)
            try container.encode(lang, forKey: .lang)
            try container.encode(tp, forKey: .tp)
            try container.encode(fp, forKey: .fp)
            try container.encode(fn, forKey: .fn)
            try container.encode(precision, forKey: .precision)
            try container.encode(recall, forKey: .recall)
            try container.encode(f1, forKey: .f1)
        }
    }

    struct Benign: Encodable {
        var rows = 0
        var falsePositives = 0
        var rate: Double { rows == 0 ? 0 : Double(falsePositives) / Double(rows) }

        enum CodingKeys: String, CodingKey { case rows, falsePositives = "false_positives", rate }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rows, forKey: .rows)
            try container.encode(falsePositives, forKey: .falsePositives)
            try container.encode(rate, forKey: .rate)
        }
    }

    struct Report: Encodable {
        var rows = 0
        var unjudgedRows = 0
        var categories: [Counts] = []
        var benign: [String: Benign] = [:]

        enum CodingKeys: String, CodingKey { case rows, unjudgedRows = "unjudged_rows", categories, benign }
    }

    func run() throws {
        let rules = try ruleOptions.load()
        let languages = ["zh", "en"]
        var counts: [String: Counts] = [:]
        for category in PolicyCategory.all {
            for lang in languages { counts["\(category.id)/\(lang)"] = Counts(category: category.id, lang: lang) }
        }
        var report = Report()
        for lang in languages { report.benign[lang] = Benign() }
        var errors: [String] = []
        let decoder = JSONDecoder()
        for file in files {
            let lines = String(decoding: try readInput(file), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let row = try? decoder.decode(Row.self, from: Data(line.utf8)) else {
                    errors.append("\(file):\(number + 1): not a row: need {\"text\": string, \"labels\": [category id, ...], \"lang\": \"zh\"|\"en\"}")
                    continue
                }
                guard languages.contains(row.lang) else {
                    errors.append("\(file):\(number + 1): unknown lang `\(row.lang)` (hint: zh or en)")
                    continue
                }
                report.rows += 1
                let labels = Set(row.labels.filter { $0 != "benign" })
                guard labels.allSatisfy({ PolicyCategory.named($0) != nil }) else {
                    report.unjudgedRows += 1
                    continue
                }
                let text = evasion.map { evaded(row.text, labels: labels, by: $0, rules: rules) } ?? row.text
                let matches = rules.scan(text).matches
                let predicted = Set(matches.map(\.category))
                for category in labels.union(predicted) {
                    let key = "\(category)/\(row.lang)"
                    switch (labels.contains(category), predicted.contains(category)) {
                    case (true, true): counts[key]!.tp += 1
                    case (true, false): counts[key]!.fn += 1
                    case (false, true): counts[key]!.fp += 1
                    case (false, false): break
                    }
                }
                if labels.isEmpty {
                    report.benign[row.lang]!.rows += 1
                    if matches.contains(where: { $0.action == .block || $0.action == .redact }) { report.benign[row.lang]!.falsePositives += 1 }
                }
            }
        }
        guard errors.isEmpty else {
            for error in errors { printError(error) }
            throw ExitStatus.usageOrInputError
        }
        report.categories = PolicyCategory.all.flatMap { category in languages.map { counts["\(category.id)/\($0)"]! } }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printTable(report)
        }
    }

    /// `text` with `evasion` applied to the first match of one of its labels (the whole text when none).
    private func evaded(_ text: String, labels: Set<String>, by evasion: Evasion, rules: RuleSet) -> String {
        guard !labels.isEmpty else { return text }
        let match = rules.scan(text).matches.first { labels.contains($0.category) }
        return evasion.apply(to: text, in: match.map { $0.start..<$0.end })
    }

    private func printTable(_ report: Report) {
        func format(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        print("category".padding(toLength: 24, withPad: " ", startingAt: 0) + "lang    tp    fp    fn  precision  recall     f1")
        for row in report.categories where row.tp + row.fp + row.fn > 0 {
            print(row.category.padding(toLength: 24, withPad: " ", startingAt: 0) + row.lang
                  + String(format: "  %4d  %4d  %4d", row.tp, row.fp, row.fn)
                  + "  " + format(row.precision).leftPadded(9) + "  " + format(row.recall).leftPadded(6) + "  " + format(row.f1).leftPadded(5))
        }
        for (lang, benign) in report.benign.sorted(by: { $0.key < $1.key }) where benign.rows > 0 {
            print("benign \(lang): \(benign.falsePositives) of \(benign.rows) rows blocked or redacted (\(String(format: "%.2f", benign.rate * 100))%)")
        }
        print("\(report.rows) rows, \(report.unjudgedRows) not judged (unknown label)")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
