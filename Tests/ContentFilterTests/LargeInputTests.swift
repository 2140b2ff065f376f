import ContentFilter
import ContentFilterFuzzing
import Foundation
import Testing

/// Inputs of the sizes the hardening issue names, at full size: a 100 MB line through `contentfilter scan`
/// and `filter`, 10 MB fed to a stream one byte at a time. (`scripts/memory-bound` measures the command's
/// peak memory at 10 and 200 MB.)
@Suite struct LargeInputTests {
    static let filler = Array("The weather is mild today, and the river runs slowly past the old mill. 今天天气很好，我们去公园散步。 ".utf8)

    /// Appends filler to `bytes` while it stays within `end` bytes.
    static func fill(_ bytes: inout [UInt8], upTo end: Int) {
        while bytes.count + filler.count <= end { bytes += filler }
    }

    /// `size` bytes or a little less on one line: `insert` at the start, in the middle and at the very end,
    /// filler between. Returns the text and where each insert starts.
    static func line(size: Int, inserting insert: [UInt8]) -> (bytes: [UInt8], offsets: [Int]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var offsets: [Int] = []
        for fillEnd in [size / 2, size - insert.count, 0] {
            offsets.append(bytes.count)
            bytes += insert
            fill(&bytes, upTo: fillEnd)
        }
        return (bytes, offsets)
    }

    /// Runs the built `contentfilter` with `input` as stdin and its stdout sent to a file; returns the status,
    /// stdout and stderr.
    static func run(_ arguments: [String], input: URL) throws -> (status: Int32, stdout: Data, stderr: String) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appending(path: "stdout")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let process = Process()
        process.executableURL = CommandTests.binary
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        let error = Pipe()
        process.standardError = error
        try process.run()
        let stderr = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, try Data(contentsOf: output), String(decoding: stderr, as: UTF8.self))
    }

    /// A file holding `bytes`; the caller removes its directory.
    static func file(_ bytes: [UInt8]) throws -> URL {
        let url = try temporaryDirectory().appending(path: "input.txt")
        try Data(bytes).write(to: url)
        return url
    }

    static let phone = Array("call 13800138000".utf8)

    @Test func hundredMegabyteLineThroughScan() throws {
        let (bytes, offsets) = Self.line(size: 100_000_000, inserting: Self.phone)
        let input = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(at: input.deletingLastPathComponent()) }
        let result = try Self.run(["scan", "--json", "--rules", CommandTests.fixtureRulesPath], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(lines.map { $0["start"] as? Int } == offsets.map { $0 + 5 })
        #expect(lines.map { $0["end"] as? Int } == offsets.map { $0 + 16 })
        #expect(lines.allSatisfy { $0["text"] as? String == "13800138000" })
    }

    /// The output is the input with the three numbers masked, after the disclosure: nothing lost or added.
    @Test func hundredMegabyteLineThroughFilter() throws {
        let (bytes, offsets) = Self.line(size: 100_000_000, inserting: Self.phone)
        let input = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(at: input.deletingLastPathComponent()) }
        let result = try Self.run(["filter", "--lang", "en", "--rules", CommandTests.fixtureRulesPath], input: input)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        var expected = Array((PolicyTexts.standard.disclosure.en + "\n\n").utf8)
        expected.reserveCapacity(bytes.count + expected.count)
        for (part, start) in offsets.enumerated() {
            expected += Array("call [redacted]".utf8)
            expected += bytes[(start + Self.phone.count)..<(part < 2 ? offsets[part + 1] : bytes.count)]
        }
        #expect(result.stdout.count == expected.count)
        #expect(result.stdout == Data(expected))
    }

    /// 10 MB, one byte per feed: the same output as one chunk, and never more held back than the cap. Every
    /// 64 KB: matches, an e-mail address, a NUL, an invalid byte, and a possible match that overflows the cap.
    @Test func tenMegabytesFedOneByteAtATime() {
        let insert = Array("call 13800138000 or a.b@example.com; \0 bet on it, ".utf8) + [0xFF] + Array(" 这是个大麻烦。".utf8)
        var bytes: [UInt8] = []
        var inserts = 0
        while bytes.count < 10_000_000 {
            bytes += insert
            inserts += 1
            Self.fill(&bytes, upTo: (bytes.count / 65_536 + 1) * 65_536)
        }
        var configuration = FilterConfiguration.plain
        configuration.overflowPolicies["gambling"] = .failOpen
        let reference = filterStream([bytes], rules: fixtureRules, configuration: configuration)
        let filter = StreamFilter(rules: fixtureRules, configuration: configuration)
        var output = FilterOutput()
        var heldBackMost = 0
        bytes.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                filter.feed(UnsafeBufferPointer(rebasing: buffer[index..<index + 1]), into: &output)
                heldBackMost = max(heldBackMost, filter.heldBackByteCount)
            }
        }
        filter.finish(into: &output)
        #expect(heldBackMost <= configuration.maximumHoldBack)
        #expect(output.chunkingInvariantPart == reference.chunkingInvariantPart)
        #expect(reference.events.filter { $0.type == .match }.count == 2 * inserts)
        #expect(reference.events.filter { $0.type == .invalidUTF8 }.count == inserts)
        // Each insert: the number and the address masked, the invalid byte one U+FFFD (3 bytes).
        let change = ("[redacted]".utf8.count - 11) + ("[redacted]".utf8.count - "a.b@example.com".utf8.count) + (3 - 1)
        #expect(reference.bytes.count == bytes.count + inserts * change)
    }
}
