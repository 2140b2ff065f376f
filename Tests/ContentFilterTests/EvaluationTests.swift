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

    @Test func shippedRulesMeetTheTargets() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.evaluationDirectory.path)
            .filter { $0.hasSuffix(".jsonl") }.sorted().map { Self.evaluationDirectory.appending(path: $0).path }
        let result = try CommandTests().run(["eval", "--json"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
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
