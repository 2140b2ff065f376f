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

/// The rules of `files` (file name to YAML), loaded from a temporary directory that is removed again.
func ruleSet(fromFiles files: [String: String]) throws -> RuleSet {
    let url = try temporaryDirectory(files)
    defer { try? FileManager.default.removeItem(at: url) }
    return try RuleSet(sources: [.directory(url)])
}

/// Reads two pipes to their ends at once, so that a process that fills one while the other is being read
/// cannot block (a sanitizer's report on stderr, say). Returns what each held.
func readToEnd(_ first: FileHandle, _ second: FileHandle) -> (Data, Data) {
    nonisolated(unsafe) var secondData = Data()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        secondData = second.readDataToEndOfFile()
        done.signal()
    }
    let firstData = first.readDataToEndOfFile()
    done.wait()
    return (firstData, secondData)
}
