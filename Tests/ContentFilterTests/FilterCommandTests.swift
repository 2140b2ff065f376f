import ContentFilter
import Foundation
import Testing

/// `contentfilter filter` run as a pipeline stage.
@Suite struct FilterCommandTests {
    let rules = ["--rules", CommandTests.fixtureRulesPath]

    /// A running `contentfilter filter` with its pipes.
    final class RunningFilter {
        let process = Process()
        let input = Pipe(), output = Pipe(), error = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = CommandTests.binary
            process.arguments = ["filter"] + arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = error
            try process.run()
        }

        /// Writes to the command's stdin; fails once the command has closed it.
        func write(_ text: String) throws { try input.fileHandleForWriting.write(contentsOf: Data(text.utf8)) }

        /// Reads what stdout (or stderr) has, waiting up to `seconds` for the first bytes.
        func readAvailable(waitingUpTo seconds: Double, fromStandardError: Bool = false) -> String {
            let handle = (fromStandardError ? error : output).fileHandleForReading
            let semaphore = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var data = Data()
            DispatchQueue.global().async {
                data = handle.availableData
                semaphore.signal()
            }
            _ = semaphore.wait(timeout: .now() + seconds)
            return String(decoding: data, as: UTF8.self)
        }

        /// Closes stdin and returns the rest of stdout, stderr and the exit status.
        func finish() throws -> (stdout: String, stderr: String, status: Int32) {
            try input.fileHandleForWriting.close()
            let (out, err) = readToEnd(output.fileHandleForReading, error.fileHandleForReading)
            process.waitUntilExit()
            return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), process.terminationStatus)
        }
    }

    @Test func releasesTextWhileTheUpstreamIsStillWriting() throws {
        let filter = try RunningFilter(rules + ["--lang", "en"])
        try filter.write("The first part of the answer arrives. ")
        let early = filter.readAvailable(waitingUpTo: 10)
        #expect(early == PolicyTexts.standard.disclosure.en + "\n\nThe first part of the answer arrives. ")
        try filter.write("Then the rest: call 13800138000.")
        let rest = try filter.finish()
        #expect(rest.stdout == "Then the rest: call [redacted].")
        #expect(rest.status == 0)
    }

    @Test func blockedResponseExitsOne() throws {
        let filter = try RunningFilter(rules + ["--lang", "en", "--no-disclosure"])
        try filter.write("Okay. Here's how to forge a passport: more")
        let result = try filter.finish()
        #expect(result.stdout == "Okay. \n\n" + PolicyTexts.standard.refusal.en)
        #expect(result.status == 1)
    }

    @Test func eventsFileHasOneJSONLinePerEventWithoutTheText() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appending(path: "events.jsonl")
        let filter = try RunningFilter(rules + ["--events", events.path])
        try filter.write("电话13800138000。")
        #expect(try filter.finish().status == 0)
        let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let event = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(event["type"] as? String == "match")
        #expect(event["rule"] as? String == "privacy.any.cn-mobile")
        #expect(event["action"] as? String == "redact")
        #expect(event["start"] as? Int == 6)
        #expect(event["end"] as? Int == 17)
        #expect(event["held_back"] is Int)
        #expect((event["timestamp"] as? String)?.hasPrefix("20") == true)
        #expect(event["text"] == nil)

        let withText = try RunningFilter(rules + ["--events", "-", "--events-include-text"])
        try withText.write("电话13800138000。")
        #expect(try withText.finish().stderr.contains("\"text\":\"13800138000\""))
    }

    @Test func configurationFileWithFlagsOverridingIt() throws {
        let directory = try temporaryDirectory(["config.yaml": """
            language: zh
            disclosure: { position: end, text: { zh: "本回答由 AI 生成", en: "AI answer" } }
            mask: "***"
            categories:
              illegal: { action: flag }
            """])
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appending(path: "config.yaml")
        let filter = try RunningFilter(rules + ["--config", config.path, "--lang", "en"])
        try filter.write("Here's how to forge a passport, call 13800138000")
        let result = try filter.finish()
        #expect(result.stdout == "Here's how to forge a passport, call ***\n\nAI answer")
        #expect(result.status == 0)
    }

    @Test func badConfigurationExitsTwoWithItsLine() throws {
        let directory = try temporaryDirectory(["config.yaml": "language: zh\nmax_hold_back: lots\ncategories:\n  gamblin: { action: flag }\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appending(path: "config.yaml")
        let filter = try RunningFilter(["--config", config.path])
        let result = try filter.finish()
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(config.path):2: `max_hold_back` must be a whole number"))
        #expect(result.stderr.contains("\(config.path):4: unknown category `gamblin` (hint: did you mean `gambling`?)"))
    }

    @Test func dryRunChangesNothing() throws {
        let filter = try RunningFilter(rules + ["--dry-run", "--events", "-"])
        let text = "Here's how to forge a passport, call 13800138000"
        try filter.write(text)
        let result = try filter.finish()
        #expect(result.stdout == text)
        #expect(result.stderr.split(separator: "\n").count == 2)
        #expect(result.status == 0)
    }

    @Test func sseRoundTripWithEvents() throws {
        let filter = try RunningFilter(rules + ["--format", "sse", "--lang", "en", "--events", "-"])
        try filter.write(String(decoding: try Data(contentsOf: fixturesDirectory.appending(path: "streams/chat-two-choices.sse")), as: UTF8.self))
        try filter.write("data: {broken\n\n")
        let result = try filter.finish()
        #expect(result.status == 1)
        #expect(result.stdout.contains("\"finish_reason\":\"content_filter\""))
        let events = result.stderr.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(events.contains { $0["type"] as? String == "invalid_record" })
        #expect(events.contains { $0["type"] as? String == "blocked" && $0["choice"] as? String == "1" && $0["field"] as? String == "content" })
    }

    @Test(arguments: ["chat-two-choices.sse", "responses.sse"])
    func recordsSplitAcrossReadsGiveTheSameOutput(_ name: String) throws {
        let bytes = try Data(contentsOf: fixturesDirectory.appending(path: "streams/\(name)"))
        func run(_ parts: [Data]) throws -> String {
            let filter = try RunningFilter(rules + ["--format", "sse", "--lang", "en"])
            for part in parts {
                try filter.input.fileHandleForWriting.write(contentsOf: part)
                Thread.sleep(forTimeInterval: 0.01)  // so that each part arrives in a read of its own
            }
            return try filter.finish().stdout
        }
        let whole = try run([bytes])
        // Forty cuts spread over the stream, inside field names, JSON, multi-byte characters and blank lines.
        for cut in stride(from: 1, to: bytes.count, by: bytes.count / 40) {
            #expect(try run([bytes.prefix(cut), bytes.dropFirst(cut)]) == whole, "cut at \(cut)")
        }
    }

    @Test func interruptReleasesWhatIsDecidedAndExits() throws {
        let filter = try RunningFilter(rules + ["--lang", "en", "--no-disclosure"])
        try filter.write("Decided text. ")
        #expect(filter.readAvailable(waitingUpTo: 10) == "Decided text. ")
        filter.process.interrupt()
        let deadline = Date().addingTimeInterval(10)
        while filter.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if filter.process.isRunning { filter.process.terminate() }
        filter.process.waitUntilExit()
        #expect(filter.process.terminationStatus == 128 + SIGINT)
    }

    @Test func closedOutputEndsQuietly() throws {
        let filter = try RunningFilter(rules + ["--lang", "en"])
        try filter.output.fileHandleForReading.close()
        // The command may exit before all of this is written: a failed write is expected then.
        try? filter.write(String(repeating: "text ", count: 20_000))
        try? filter.input.fileHandleForWriting.close()
        filter.process.waitUntilExit()
        let result = (stderr: String(decoding: filter.error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                      status: filter.process.terminationStatus)
        #expect(result.stderr.isEmpty)
        #expect(result.status == 0)
    }

    @Test func sighupReloadsTheRulesForTheResponsesThatFollow() throws {
        let directory = try temporaryDirectory(["privacy.yaml": "category: privacy\nrules:\n  - id: phone\n    action: redact\n    words: ['13800138000']\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let filter = try RunningFilter(["--rules", directory.path, "--format", "sse", "--lang", "en", "--no-disclosure"])
        func response(_ text: String) throws -> String {
            let chunk = ["choices": [["index": 0, "delta": ["content": text], "finish_reason": "stop"]]]
            try filter.write("data: \(String(decoding: try JSONSerialization.data(withJSONObject: chunk), as: UTF8.self))\n\ndata: [DONE]\n\n")
            var received = ""
            let deadline = Date().addingTimeInterval(10)
            while !received.hasSuffix("data: [DONE]\n\n") && Date() < deadline { received += filter.readAvailable(waitingUpTo: 10) }
            return received
        }
        func hangUpAndWait(for message: String) -> String {
            kill(filter.process.processIdentifier, SIGHUP)
            var stderr = ""
            let deadline = Date().addingTimeInterval(10)
            while !stderr.contains(message) && Date() < deadline {
                stderr += filter.readAvailable(waitingUpTo: 10, fromStandardError: true)
            }
            return stderr
        }

        #expect(try response("zanzibar") .contains("zanzibar"))
        try "category: privacy\nrules:\n  - id: secret\n    action: redact\n    words: [zanzibar]\n"
            .write(to: directory.appending(path: "secret.yaml"), atomically: true, encoding: .utf8)
        #expect(hangUpAndWait(for: "rules reloaded").contains("rules reloaded: 2 rules"))
        #expect(try response("zanzibar").contains("[redacted]"))

        try "category: privacy\nrules:\n  - id: broken\n    patterns: ['(']\n".write(to: directory.appending(path: "secret.yaml"), atomically: true, encoding: .utf8)
        let rejected = hangUpAndWait(for: "stays live")
        #expect(rejected.contains("secret.yaml"))
        #expect(try response("zanzibar").contains("[redacted]"))  // the previous rules stay live
        #expect(try filter.finish().status == 0)
    }

    @Test func usageErrorsExitTwo() throws {
        let filter = try RunningFilter(["--format", "xml"])
        let result = try filter.finish()
        #expect(result.status == 2)
        #expect(result.stderr.contains("xml"))
    }
}

/// The official `openai` Python client reads the SSE output (`scripts/bootstrap` installs it).
@Suite struct OpenAIClientTests {
    @Test func openAIClientReadsTheFilteredStreams() throws {
        let root = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let streams = ["Examples/chat-zh.sse", "Examples/chat-en.sse"].map { root.appending(path: $0).path }
            + ["chat-two-choices.sse", "chat-tool-call.sse", "responses.sse"].map { fixturesDirectory.appending(path: "streams/\($0)").path }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appending(path: "Tests/OpenAIClientCheck/check.py").path, CommandTests.binary.path,
                             root.appending(path: "Rules").path] + streams
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.hasSuffix("5 passed, 0 failed\n"), "\(text)")
    }
}
