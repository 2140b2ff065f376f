import ContentFilter
import ContentFilterFuzzing
import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import Testing

/// Rule-set versions, live reload, and what streams report to a logger and to metrics.
@Suite struct ObservabilityTests {
    static let redactRule = "category: privacy\nrules:\n  - id: secret\n    action: redact\n    words: [zanzibar]\n"
    static let blockRule = "category: illegal\nrules:\n  - id: forged\n    action: block\n    words: [forged passport]\n"

    @Test func versionIsAHashOfTheFileNamesAndContents() throws {
        let first = try temporaryDirectory(["a.yaml": Self.redactRule])
        let copy = try temporaryDirectory(["a.yaml": Self.redactRule])
        let renamed = try temporaryDirectory(["b.yaml": Self.redactRule])
        let changed = try temporaryDirectory(["a.yaml": Self.redactRule.replacingOccurrences(of: "zanzibar", with: "zanzibah")])
        defer { for url in [first, copy, renamed, changed] { try? FileManager.default.removeItem(at: url) } }
        let version = { (url: URL) in try RuleSet(sources: [.directory(url)]).version }
        #expect(try version(first).count == 16)
        #expect(try version(first) == version(copy))
        #expect(try version(first) != version(renamed))
        #expect(try version(first) != version(changed))
        #expect(RuleSet.shipped.version != (try version(first)))
    }

    @Test func reloadSwapsTheSetForNewStreamsOnly() throws {
        let directory = try temporaryDirectory(["rules.yaml": Self.redactRule])
        defer { try? FileManager.default.removeItem(at: directory) }
        let live = try LiveRuleSet(sources: [.directory(directory)])
        let before = live.current
        let inFlight = StreamFilter(rules: live.current, configuration: .plain)
        var output = FilterOutput()
        inFlight.feed("zanzibar and ", into: &output)

        try (Self.redactRule + Self.blockRule.replacingOccurrences(of: "category: illegal\nrules:\n", with: ""))
            .write(to: directory.appending(path: "rules.yaml"), atomically: true, encoding: .utf8)
        let after = try live.reload()
        #expect(live.current === after)
        #expect(after.version != before.version)
        #expect(after.rules.count == 2)

        // The stream that started before the reload keeps its rules to the end.
        inFlight.feed("a forged passport", into: &output)
        inFlight.finish(into: &output)
        #expect(output.text == "[redacted] and a forged passport")
        #expect(!inFlight.isBlocked)
        let started = StreamFilter(rules: live.current, configuration: .plain)
        #expect(started.feed("a forged passport").text == "a \n\n" + PolicyTexts.standard.refusal.en)
        #expect(started.isBlocked)
    }

    @Test func aSetThatFailsToLoadIsRejectedAndTheOldStaysLive() throws {
        let directory = try temporaryDirectory(["rules.yaml": Self.redactRule])
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = InMemoryLogHandler()
        let live = try LiveRuleSet(sources: [.directory(directory)], logger: Logger(label: "test") { _ in logs })
        let before = live.current
        try "category: privacy\nrules:\n  - id: broken\n    patterns: ['(unclosed']\n"
            .write(to: directory.appending(path: "rules.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try live.reload()
        } throws: { error in
            (error as? RuleLoadError)?.errors.first?.description.contains("rules.yaml") == true
        }
        #expect(live.current === before)
        let entry = try #require(logs.entries.last)
        #expect(entry.level == .error)
        #expect(entry.metadata["rule_set"] == "\(before.version)")
        #expect(entry.metadata["problems"]?.description.contains("missing closing parenthesis") == true)
    }

    @Test func streamLogsEachEventWithTheRuleSetVersionAndNoTextUnlessAsked() throws {
        let directory = try temporaryDirectory(["rules.yaml": Self.redactRule])
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try RuleSet(sources: [.directory(directory)])
        for includesText in [false, true] {
            let logs = InMemoryLogHandler()
            var configuration = FilterConfiguration.plain
            configuration.eventsIncludeText = includesText
            let filter = StreamFilter(rules: rules, configuration: configuration, logger: Logger(label: "test") { _ in logs })
            var output = FilterOutput()
            filter.feed("go to zanz", into: &output)
            filter.feed("ibar now", into: &output)
            filter.finish(into: &output)
            #expect(output.text == "go to [redacted] now")
            let entry = try #require(logs.entries.first)
            #expect(logs.entries.count == 1)
            #expect(entry.level == .info)
            #expect(entry.metadata["event"] == "match")
            #expect(entry.metadata["rule"] == "secret")
            #expect(entry.metadata["category"] == "privacy")
            #expect(entry.metadata["action"] == "redact")
            #expect(entry.metadata["rule_set"] == "\(rules.version)")
            #expect(entry.metadata["start"] == "6")
            #expect(entry.metadata["end"] == "14")
            #expect(entry.metadata["text"] == (includesText ? "zanzibar" : nil))
        }
    }

    @Test func streamRecordsBytesMatchesBlocksAndChunks() throws {
        let directory = try temporaryDirectory(["redact.yaml": Self.redactRule, "block.yaml": Self.blockRule])
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try RuleSet(sources: [.directory(directory)])
        let recorded = TestMetrics()
        let metrics = FilterMetrics(factory: recorded)
        let chunks = ["zanzibar, ", "then a forg", "ed passport and more"]
        for _ in 0..<2 {
            let filter = StreamFilter(rules: rules, configuration: .plain, metrics: metrics)
            var output = FilterOutput()
            for chunk in chunks { filter.feed(chunk, into: &output) }
            filter.finish(into: &output)
        }
        let bytesIn = Int64(chunks.joined().utf8.count)
        #expect(recorded.counterTotal(label: "contentfilter_bytes_in_total") == 2 * bytesIn)
        #expect(recorded.counterTotal(label: "contentfilter_bytes_out_total")
                == 2 * Int64(("[redacted], then a " + PolicyTexts.standard.refusal.en).utf8.count + 2))
        #expect(recorded.counterTotal(label: "contentfilter_responses_total") == 2)
        #expect(recorded.counterTotal(label: "contentfilter_matches_total", dimensions: [("category", "privacy"), ("action", "redact")]) == 2)
        #expect(recorded.counterTotal(label: "contentfilter_matches_total", dimensions: [("category", "illegal"), ("action", "block")]) == 2)
        #expect(recorded.counterTotal(label: "contentfilter_blocked_responses_total", dimensions: [("category", "illegal")]) == 2)
        let heldBack = try recorded.expectRecorder("contentfilter_held_back_bytes")
        #expect(heldBack.values.count == 2 * chunks.count)
        #expect(heldBack.values.contains { $0 > 0 })  // "forg" waits for the rest of the word
        #expect(try recorded.expectTimer("contentfilter_chunk_duration").values.count == 2 * (chunks.count + 1))
    }
}
