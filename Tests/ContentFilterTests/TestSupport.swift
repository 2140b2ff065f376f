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

/// A deterministic random number generator (SplitMix64), so failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cuts `bytes` into random chunks: sizes from 0 (empty chunks) up to 24 bytes, often 1, cutting anywhere,
/// inside multi-byte characters too.
func randomCutting(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [ArraySlice<UInt8>] {
    var chunks: [ArraySlice<UInt8>] = []
    var index = 0
    while index < bytes.count {
        let size = switch Int.random(in: 0..<10, using: &generator) {
        case 0: 0
        case 1...4: 1
        default: Int.random(in: 2...24, using: &generator)
        }
        let end = min(bytes.count, index + size)
        chunks.append(bytes[index..<end])
        index = end
    }
    return chunks
}

/// Runs a whole stream through a new filter, one chunk at a time.
func filterStream(
    _ chunks: some Sequence<some Collection<UInt8>>,
    rules: RuleSet = fixtureRules,
    configuration: FilterConfiguration = .plain,
    afterEachFeed: ([UInt8]) -> Void = { _ in }
) -> FilterOutput {
    let filter = StreamFilter(rules: rules, configuration: configuration)
    var output = FilterOutput()
    for chunk in chunks {
        filter.feed(chunk, into: &output)
        afterEachFeed(output.bytes)
    }
    filter.finish(into: &output)
    return output
}

extension FilterConfiguration {
    /// No disclosure, English injected text: the output is the input with masks, refusals and disclaimers.
    static var plain: FilterConfiguration {
        var configuration = FilterConfiguration()
        configuration.disclosurePosition = nil
        configuration.language = .en
        return configuration
    }
}

extension FilterOutput {
    /// The output with `held_back` taken out of the events: how much was held back when an event happened
    /// depends on where the chunks were cut, everything else must not.
    var chunkingInvariantPart: FilterOutput {
        var copy = self
        for index in copy.events.indices { copy.events[index].heldBack = nil }
        return copy
    }
}

/// A new, empty temporary directory holding `files`; the caller removes it.
func temporaryDirectory(_ files: [String: String] = [:]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "contentfilter-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, contents) in files {
        try contents.write(to: url.appending(path: name), atomically: true, encoding: .utf8)
    }
    return url
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
