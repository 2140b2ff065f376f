import ContentFilter
import Foundation
import Testing

/// The shipped rules against the labelled evaluation set in `Tests/Evaluation`: a rule change that breaks
/// precision or recall fails here.
@Suite struct EvaluationTests {
    /// Categories whose harm lies mostly in meaning: their rules target explicit markers, and only precision
    /// is gated.
    static let meaningCategories: Set = [
        "disinformation", "plagiarism", "astroturfing", "inauthentic_behavior", "political_campaigning", "eligibility",
        "gov_decision", "news",
    ]

    static let evaluationDirectory = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appending(path: "Evaluation")

    /// The report of the plain run, shared by the tests (read only).
    nonisolated(unsafe) static let plainReport: Result<[String: Any], any Error> = Result { try evaluate() }

    static func evaluate(_ options: [String] = []) throws -> [String: Any] {
        let files = try FileManager.default.contentsOfDirectory(atPath: evaluationDirectory.path)
            .filter { $0.hasSuffix(".jsonl") }.sorted().map { evaluationDirectory.appending(path: $0).path }
        let result = try CommandTests().run(["eval", "--json"] + options + files)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    /// True positives by "category/lang".
    static func truePositives(_ report: [String: Any]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: (report["categories"] as! [[String: Any]]).map { row in
            ("\(row["category"] as! String)/\(row["lang"] as! String)", row["tp"] as! Int)
        })
    }

    /// Each positive row rewritten with an evasion (applied to its matched part) is caught as often as the
    /// row itself, in every category and language.
    @Test(arguments: Evasion.allCases)
    func evadedRowsAreCaughtAtTheSameRecall(_ evasion: Evasion) throws {
        let plain = Self.truePositives(try Self.plainReport.get())
        let evaded = Self.truePositives(try Self.evaluate(["--evasion", evasion.rawValue]))
        for (key, count) in plain.sorted(by: { $0.key < $1.key }) {
            #expect(evaded[key]! >= count, "\(key) \(evasion.rawValue): \(evaded[key]!) of \(count) caught")
        }
    }

    @Test func shippedRulesMeetTheTargets() throws {
        let report = try Self.plainReport.get()
        #expect(report["unjudged_rows"] as? Int == 0)
        for row in report["categories"] as! [[String: Any]] {
            let category = row["category"] as! String, lang = row["lang"] as! String
            let positives = (row["tp"] as! Int) + (row["fn"] as! Int)
            #expect(positives >= 25, "\(category) \(lang): only \(positives) positive rows")
            let precision = row["precision"] as? Double ?? 0
            let recall = row["recall"] as? Double ?? 0
            if Self.meaningCategories.contains(category) {
                #expect(precision >= 0.90, "\(category) \(lang): precision \(precision)")
            } else {
                #expect(precision >= 0.95, "\(category) \(lang): precision \(precision)")
                #expect(recall >= 0.85, "\(category) \(lang): recall \(recall)")
            }
        }
        for (lang, benign) in report["benign"] as! [String: [String: Any]] {
            #expect((benign["rows"] as! Int) >= 500, "\(lang): only \(benign["rows"]!) benign rows")
            #expect((benign["rate"] as! Double) <= 0.005, "\(lang): benign false-positive rate \(benign["rate"]!)")
        }
    }
}
