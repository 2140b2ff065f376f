import ContentFilter
import Foundation
import Testing

/// The directory of the test fixtures.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

/// The small rule set the engine tests run against (independent of the shipped rules).
let fixtureRules: RuleSet = {
    do {
        return try RuleSet(sources: [.directory(fixturesDirectory.appending(path: "rules"))])
    } catch {
        fatalError("fixture rules do not load:\n\(error)")
    }
}()

/// A new, empty temporary directory holding `files`; the caller removes it.
func temporaryDirectory(_ files: [String: String] = [:]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "contentfilter-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, contents) in files {
        try contents.write(to: url.appending(path: name), atomically: true, encoding: .utf8)
    }
    return url
}
