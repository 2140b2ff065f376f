import ContentFilterFuzzing
import Foundation
import Testing

/// Every input committed under `Tests/FuzzCorpus/<target>/` (the seeds, and each crash fuzzing found, once
/// fixed) passes its fuzz target's checks: the corpus is a regression suite that runs without libFuzzer.
@Suite struct FuzzCorpusTests {
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "FuzzCorpus")

    /// One committed input and the target it belongs to.
    struct CorpusInput: Sendable, CustomTestStringConvertible {
        let target: FuzzTarget
        let file: URL

        var testDescription: String { "\(target.rawValue)/\(file.lastPathComponent)" }
    }

    static let inputs: [CorpusInput] = FuzzTarget.allCases.flatMap { target in
        let directory = corpusDirectory.appending(path: target.rawValue)
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.path < $1.path }.map { CorpusInput(target: target, file: $0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyTargetHasACorpus(_ target: FuzzTarget) {
        #expect(Self.inputs.count { $0.target == target } >= 10)
    }

    @Test(arguments: inputs)
    func committedInputPassesItsTargetsChecks(_ input: CorpusInput) throws {
        let bytes = try Data(contentsOf: input.file)
        do {
            try input.target.check(Array(bytes))
        } catch {
            Issue.record("\(input.testDescription): \(error)")
        }
    }
}
