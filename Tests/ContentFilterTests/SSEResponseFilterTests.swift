import ContentFilter
import Foundation
import Testing

/// The SSE format in process: the same filtering whatever the reads, and the record-level behaviour.
@Suite struct SSEResponseFilterTests {
    static func stream(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixturesDirectory.appending(path: "streams/\(name)")))
    }

    /// Runs the bytes through the SSE filter, read by read.
    static func run(_ reads: [ArraySlice<UInt8>], dialect: SSEResponseFilter.Dialect? = nil, configuration: FilterConfiguration? = nil) -> (text: String, blocked: Bool) {
        var configuration = configuration ?? FilterConfiguration()
        if configuration.language == .auto { configuration.language = .en }
        var filter = SSEResponseFilter(ResponseFilterSettings(rules: fixtureRules, configuration: configuration), dialect: dialect)
        var output: [UInt8] = []
        for read in reads { filter.consume(read, into: &output) }
        filter.finish(into: &output)
        return (String(decoding: output, as: UTF8.self), filter.wasBlocked)
    }

    /// The `data` JSON objects of an SSE text, in order (`[DONE]` as a string).
    static func records(_ text: String) -> [Any] {
        text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { line in
            let data = String(line.dropFirst(6))
            return data == "[DONE]" ? data : try! JSONSerialization.jsonObject(with: Data(data.utf8))
        }
    }

    /// The concatenated `delta.content` of one choice.
    static func content(ofChoice index: Int, in text: String) -> String {
        records(text).compactMap { $0 as? [String: Any] }.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }
            .filter { $0["index"] as? Int == index }
            .compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
    }

    @Test(arguments: ["chat-two-choices.sse", "chat-tool-call.sse", "responses.sse"])
    func splittingTheInputAtEveryByteGivesTheSameOutput(_ name: String) throws {
        let bytes = try Self.stream(name)
        let whole = Self.run([bytes[...]])
        for cut in 1..<bytes.count {
            #expect(Self.run([bytes[..<cut], bytes[cut...]]).text == whole.text, "cut at \(cut)")
        }
    }

    @Test func responsesPipedOneAfterAnotherAreEachFilteredWhole() throws {
        let bytes = try Self.stream("chat-two-choices.sse")
        let once = Self.run([bytes[...]]).text
        let twice = Self.run([bytes[...], bytes[...]]).text
        #expect(twice == once + once)
    }

    /// A block that only the end of the text decides (here `\b` after the last word) still ends the choice
    /// with `content_filter`, whether a finish reason or `[DONE]` ends the text.
    @Test(arguments: [true, false])
    func blockDecidedAtTheEndOfATextEndsTheChoiceWithContentFilter(finishReason: Bool) throws {
        func chunk(_ delta: [String: Any], _ finish: String?) throws -> String {
            let object: [String: Any] = ["choices": [["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]]]
            return "data: \(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))\n\n"
        }
        var stream = try chunk(["content": "Here's how to forge a"], nil)
        if finishReason { stream += try chunk([:], "stop") }
        stream += "data: [DONE]\n\n"
        let result = Self.run([Array(stream.utf8)[...]])
        let choices = Self.records(result.text).compactMap { $0 as? [String: Any] }.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }
        #expect(choices.compactMap { $0["finish_reason"] as? String } == ["content_filter"])
        #expect(result.blocked)
        #expect(!result.text.contains("forge"))
    }

    @Test func crlfLineEndsReadTheSame() throws {
        let bytes = try Self.stream("chat-two-choices.sse")
        let crlf = Array(String(decoding: bytes, as: UTF8.self).replacing("\n", with: "\r\n").utf8)
        #expect(Self.run([crlf[...]]).text == Self.run([bytes[...]]).text)
    }

    @Test func eachChoiceIsItsOwnStream() throws {
        let result = Self.run([try Self.stream("chat-two-choices.sse")[...]])
        let disclosure = PolicyTexts.standard.disclosure.en + "\n\n"
        #expect(Self.content(ofChoice: 0, in: result.text)
            == disclosure + "Sure. Call [redacted] and take 200 mg twice a day.\n\n" + PolicyTexts.standard.disclaimers["medical_advice"]!.en)
        #expect(Self.content(ofChoice: 1, in: result.text) == disclosure + "Sure! \n\n" + PolicyTexts.standard.refusal.en)
        #expect(result.blocked)
        #expect(!result.text.contains("forge"))
        #expect(!result.text.contains("secret"))
    }

    @Test func blockedChoiceEndsWithContentFilterAndOthersGoOn() throws {
        let records = Self.records(Self.run([try Self.stream("chat-two-choices.sse")[...]]).text)
        let choices = records.compactMap { $0 as? [String: Any] }.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }
        let finishes = choices.compactMap { choice in (choice["finish_reason"] as? String).map { (choice["index"] as! Int, $0) } }
        #expect(finishes.map(\.0) == [1, 0])
        #expect(finishes.map(\.1) == ["content_filter", "stop"])
        // Nothing of choice 1 after its finish; the usage record and one [DONE] pass through.
        let afterBlock = choices.drop { !($0["index"] as? Int == 1 && $0["finish_reason"] as? String == "content_filter") }.dropFirst()
        #expect(!afterBlock.contains { $0["index"] as? Int == 1 })
        #expect(records.filter { $0 as? String == "[DONE]" }.count == 1)
        #expect(records.contains { ($0 as? [String: Any])?["usage"] != nil })
        // Added records copy the envelope.
        let finish = try #require(records.compactMap { $0 as? [String: Any] }.first { record in
            ((record["choices"] as? [[String: Any]]) ?? []).contains { $0["finish_reason"] as? String == "content_filter" }
        })
        #expect(finish["id"] as? String == "chatcmpl-7")
        #expect(finish["model"] as? String == "test-model")
        #expect(finish["created"] as? Int == 1_700_000_000)
        #expect(finish["object"] as? String == "chat.completion.chunk")
    }

    @Test func toolCallArgumentsAndReasoningAreFiltered() throws {
        let text = Self.run([try Self.stream("chat-tool-call.sse")[...]]).text
        #expect(!text.contains("13800138000"))
        #expect(!text.contains("1380"))
        #expect(text.components(separatedBy: "[redacted]").count == 3)
    }

    @Test func responsesFullTextsCarryTheFilteredText() throws {
        let text = Self.run([try Self.stream("responses.sse")[...]]).text
        #expect(!text.contains("13800138000"))
        let full = PolicyTexts.standard.disclosure.en + "\n\nWrite to me: [redacted] anytime."
        let done = try #require(Self.records(text).compactMap { $0 as? [String: Any] }.first { $0["type"] as? String == "response.output_text.done" })
        #expect(done["text"] as? String == full)
        #expect(text.contains("event: response.completed\n"))
        #expect(!text.contains("[DONE]"))
    }

    @Test func logprobsAudioTranscriptsAndLegacyFunctionCallsLeakNothing() {
        let records = [
            #"{"id":"x","choices":[{"index":0,"delta":{"content":"call 13800138000"},"logprobs":{"content":[{"token":"13800138000","logprob":-0.1}]},"finish_reason":null}]}"#,
            #"{"id":"x","choices":[{"index":0,"delta":{"audio":{"id":"a","transcript":"call 1380013"}},"finish_reason":null}]}"#,
            #"{"id":"x","choices":[{"index":0,"delta":{"audio":{"transcript":"8000 now"}},"finish_reason":null}]}"#,
            #"{"id":"x","choices":[{"index":0,"delta":{"function_call":{"name":"f","arguments":"{\"p\":\"13800138000\"}"}},"finish_reason":"stop"}]}"#,
        ]
        let input = Array(records.map { "data: \($0)\n\n" }.joined().utf8)
        let text = Self.run([input[...]]).text
        #expect(!text.contains("13800138000"))
        #expect(!text.contains("1380013"))
        #expect(text.contains(#""logprobs":null"#))
        #expect(text.components(separatedBy: "[redacted]").count == 4, "\(text)")
    }

    @Test func invalidJSONIsDroppedAndReported() throws {
        let input = Array("data: {\"choices\": [\ndata: not json\n\ndata: [DONE]\n\n".utf8)
        let result = Self.run([input[...]])
        #expect(result.text == "data: [DONE]\n\n")
    }

    @Test func missingDoneIsAddedAtTheEndOfInput() {
        let input = Array("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi 1380013\"},\"finish_reason\":null}]}\n\n".utf8)
        let result = Self.run([input[...]])
        #expect(Self.content(ofChoice: 0, in: result.text).hasSuffix("hi 1380013"))
        #expect(result.text.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func disclosureAtTheEndComesBeforeTheFinishReason() throws {
        var configuration = FilterConfiguration()
        configuration.disclosurePosition = .end
        let text = Self.run([try Self.stream("chat-two-choices.sse")[...]], configuration: configuration).text
        #expect(Self.content(ofChoice: 0, in: text).hasSuffix(PolicyTexts.standard.disclosure.en))
    }
}
