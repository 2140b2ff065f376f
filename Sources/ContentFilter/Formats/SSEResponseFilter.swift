internal import Foundation

/// Filters an OpenAI streaming response (server-sent events): every piece of text the model writes is
/// filtered as its own stream, and everything else passes through in order.
///
/// Chat completions: each choice's `delta.content`, `delta.refusal`, `delta.reasoning_content` and each
/// tool call's `function.arguments` are separate streams; a block in any of them ends that choice with
/// `finish_reason: "content_filter"`. Responses API: each `*.delta` event's text is a stream keyed by its
/// item and content part; `*.done` events and the final response carry the filtered full text.
///
/// A record whose data is not valid JSON is dropped and reported as an `invalid_record` event: it is
/// never forwarded unscanned.
public struct SSEResponseFilter: ResponseStreamFilter {
    /// Which OpenAI API the stream comes from.
    public enum Dialect: Sendable {
        case chatCompletions, responses
    }

    private let settings: ResponseFilterSettings
    /// The rules of the response under way, taken from `settings.rules` as it begins.
    private var rules: RuleSet
    private var dialect: Dialect?
    private var parser = SSERecordParser()
    /// Text streams by key (chat: "choice/field"; responses: "item/part/kind").
    private var streams: [String: TextStream] = [:]
    /// Chat choices that ended (finished or blocked): their later deltas are dropped.
    private var endedChoices: Set<Int> = []
    /// `id`, `object`, `created` and `model` of the stream, copied into records the filter adds.
    private var envelope: [String: Any] = [:]
    private var sentDone = false
    public private(set) var wasBlocked = false

    /// - Parameter dialect: the API the stream comes from; `nil` detects it from the first record.
    public init(_ settings: ResponseFilterSettings, dialect: Dialect? = nil) {
        self.settings = settings
        rules = settings.rules.current
        self.dialect = dialect
    }

    public mutating func consume(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        for record in parser.consume(bytes) { handle(record, into: &output) }
    }

    public mutating func finish(into output: inout [UInt8]) {
        if let record = parser.finish() { handle(record, into: &output) }
        guard !sentDone else { return }
        flushOpenStreams(into: &output)
        // Chat completions end with `[DONE]`; Responses API streams end with their `response.completed` event.
        if dialect != .responses { output += Array("data: [DONE]\n\n".utf8) }
        sentDone = true
    }

    // MARK: - Records

    private mutating func handle(_ record: SSERecordParser.Record, into output: inout [UInt8]) {
        guard let data = record.data else {
            output += Array(record.serialized().utf8)  // comments, `id:` or `retry:` only
            return
        }
        if data == "[DONE]" {
            flushOpenStreams(into: &output)
            if !sentDone { output += Array(record.serialized().utf8) }
            sentDone = true
            return
        }
        if sentDone { beginNextResponse() }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else {
            settings.events?([FilterEvent(type: .invalidRecord, start: record.start, end: record.end)], [:])
            return
        }
        let dialect = self.dialect ?? Self.detectDialect(record, object)
        self.dialect = dialect
        let records = switch dialect {
        case .chatCompletions: handleChatChunk(object)
        case .responses: handleResponsesEvent(object, event: record.event)
        }
        for outgoing in records {
            switch outgoing {
            case .upstream(let object):
                // The upstream record keeps its other lines (`event:`, `id:`, comments).
                output += Array(record.serialized(replacingDataWith: Self.serialize(object)).utf8)
            case .added(let object):
                output += Array(addedRecord(object).utf8)
            }
        }
    }

    /// A record after `[DONE]` begins another response, as when responses are piped one after another:
    /// it starts afresh, with the rules live now.
    private mutating func beginNextResponse() {
        rules = settings.rules.current
        streams = [:]
        endedChoices = []
        envelope = [:]
        sentDone = false
    }

    /// A record to send: the upstream record (rewritten), or one the filter adds.
    private enum Outgoing {
        case upstream([String: Any])
        case added([String: Any])
    }

    /// A record the filter adds, with an `event:` line naming its type in the Responses dialect.
    private func addedRecord(_ object: [String: Any]) -> String {
        let json = Self.serialize(object)
        if dialect == .responses, let type = object["type"] as? String { return "event: \(type)\ndata: \(json)\n\n" }
        return "data: \(json)\n\n"
    }

    private static func detectDialect(_ record: SSERecordParser.Record, _ object: [String: Any]) -> Dialect {
        let type = record.event ?? object["type"] as? String ?? ""
        return type.hasPrefix("response.") ? .responses : .chatCompletions
    }

    // MARK: - Chat completions

    /// The chunk as it goes out, then any records the filter adds after it (finish records). A chunk whose
    /// choices were all dropped is not sent.
    private mutating func handleChatChunk(_ chunk: [String: Any]) -> [Outgoing] {
        for key in ["id", "object", "created", "model"] { if let value = chunk[key] { envelope[key] = value } }
        guard let choices = chunk["choices"] as? [[String: Any]] else { return [.upstream(chunk)] }
        var outgoing: [[String: Any]] = []
        var finishes: [[String: Any]] = []
        for var choice in choices {
            let index = choice["index"] as? Int ?? 0
            guard !endedChoices.contains(index) else { continue }
            var delta = choice["delta"] as? [String: Any] ?? [:]
            filterDelta(&delta, choice: index)
            // Log probabilities list the unfiltered tokens: they never pass.
            if let logprobs = choice["logprobs"], !(logprobs is NSNull) { choice["logprobs"] = NSNull() }
            let upstreamReason = choice["finish_reason"].flatMap { $0 is NSNull ? nil : $0 }
            if isBlocked(choice: index) || upstreamReason != nil {
                finishStreams(ofChoice: index, into: &delta)
                // The end of a text can decide a block too.
                let blocked = isBlocked(choice: index)
                let reason: Any = blocked ? "content_filter" : upstreamReason!
                endedChoices.insert(index)
                wasBlocked = wasBlocked || blocked
                if ChatMessageTexts.carriesText(delta) || blocked {
                    // Text first, then the finish reason in a record of its own.
                    choice["finish_reason"] = NSNull()
                    finishes.append(["index": index, "delta": [String: Any](), "finish_reason": reason])
                } else {
                    choice["finish_reason"] = reason
                }
            }
            choice["delta"] = delta
            outgoing.append(choice)
        }
        var records: [Outgoing] = []
        if !outgoing.isEmpty || choices.isEmpty || chunk["usage"].map({ !($0 is NSNull) }) == true {
            var chunk = chunk
            chunk["choices"] = outgoing
            records.append(.upstream(chunk))
        }
        if !finishes.isEmpty { records.append(.added(envelope.merging(["choices": finishes]) { $1 })) }
        return records
    }

    /// Replaces every text of a chat delta with what its stream releases.
    private mutating func filterDelta(_ delta: inout [String: Any], choice: Int) {
        for field in ChatMessageTexts.fields(of: delta) {
            guard let text = ChatMessageTexts.text(at: field, in: delta) else { continue }
            let released = stream("\(choice)/\(field)", isContent: field == "content")
                .feed(text, context: ["choice": "\(choice)", "field": field])
            ChatMessageTexts.setText(released, at: field, in: &delta)
        }
    }

    /// Finishes every stream of a choice, appending each tail to its field of `delta`.
    private mutating func finishStreams(ofChoice choice: Int, into delta: inout [String: Any]) {
        for key in streams.keys.sorted() where key.hasPrefix("\(choice)/") {
            let field = String(key.dropFirst("\(choice)/".count))
            let tail = streams[key]!.finish(context: ["choice": "\(choice)", "field": field])
            guard !tail.isEmpty else { continue }
            ChatMessageTexts.setText((ChatMessageTexts.text(at: field, in: delta) ?? "") + tail, at: field, in: &delta)
        }
    }

    /// Whether any stream of a chat choice was blocked.
    private func isBlocked(choice: Int) -> Bool {
        streams.contains { $0.key.hasPrefix("\(choice)/") && $0.value.filter.isBlocked }
    }

    // MARK: - Responses API

    /// Text-carrying event types: the delta event's text field and the done event's full-text field.
    private static let responseTextEvents: [String: (kind: String, deltaField: String?, doneField: String?)] = [
        "response.output_text.delta": ("output_text", "delta", nil), "response.output_text.done": ("output_text", nil, "text"),
        "response.refusal.delta": ("refusal", "delta", nil), "response.refusal.done": ("refusal", nil, "refusal"),
        "response.function_call_arguments.delta": ("arguments", "delta", nil),
        "response.function_call_arguments.done": ("arguments", nil, "arguments"),
        "response.reasoning_text.delta": ("reasoning", "delta", nil), "response.reasoning_text.done": ("reasoning", nil, "text"),
        "response.reasoning_summary_text.delta": ("summary", "delta", nil),
        "response.reasoning_summary_text.done": ("summary", nil, "text"),
    ]

    private mutating func handleResponsesEvent(_ event: [String: Any], event name: String?) -> [Outgoing] {
        var event = event
        let type = event["type"] as? String ?? name ?? ""
        if let (kind, deltaField, doneField) = Self.responseTextEvents[type] {
            let key = Self.responseStreamKey(event, kind: kind)
            let context = ["stream": key]
            if let deltaField, let text = event[deltaField] as? String {
                event[deltaField] = stream(key, isContent: kind == "output_text").feed(text, context: context)
                // Log probabilities list the unfiltered tokens: they never pass.
                if event["logprobs"] != nil { event["logprobs"] = [Any]() }
                return [.upstream(event)]
            }
            if let doneField {
                var records: [Outgoing] = []
                let stream = stream(key, isContent: kind == "output_text")
                let tail = stream.finish(context: context)
                wasBlocked = wasBlocked || stream.filter.isBlocked
                if !tail.isEmpty {
                    var delta = event.filter { ["item_id", "output_index", "content_index", "summary_index"].contains($0.key) }
                    delta["type"] = type.replacing(".done", with: ".delta")
                    delta["delta"] = tail
                    records.append(.added(delta))
                }
                event[doneField] = stream.releasedText
                records.append(.upstream(event))
                return records
            }
        }
        // Events that repeat the full text: replace it with the filtered text.
        if var part = event["part"] as? [String: Any] {
            replaceTexts(in: &part, item: event["item_id"] as? String, contentIndex: event["content_index"] as? Int)
            event["part"] = part
        }
        if var item = event["item"] as? [String: Any] {
            replaceTexts(inItem: &item)
            event["item"] = item
        }
        if var response = event["response"] as? [String: Any], var output = response["output"] as? [[String: Any]] {
            for index in output.indices { replaceTexts(inItem: &output[index]) }
            response["output"] = output
            if wasBlocked && type == "response.completed" {
                event["type"] = "response.incomplete"
                response["status"] = "incomplete"
                response["incomplete_details"] = ["reason": "content_filter"]
            }
            event["response"] = response
        }
        return [.upstream(event)]
    }

    private static func responseStreamKey(_ event: [String: Any], kind: String) -> String {
        let item = event["item_id"] as? String ?? "\(event["output_index"] as? Int ?? 0)"
        let part = event["content_index"] as? Int ?? event["summary_index"] as? Int ?? 0
        return "\(item)/\(part)/\(kind)"
    }

    private func replaceTexts(inItem item: inout [String: Any]) {
        let id = item["id"] as? String
        if let id, let stream = streams["\(id)/0/arguments"] { item["arguments"] = stream.releasedText }
        guard var content = item["content"] as? [[String: Any]] else { return }
        for index in content.indices { replaceTexts(in: &content[index], item: id, contentIndex: index) }
        item["content"] = content
    }

    private func replaceTexts(in part: inout [String: Any], item: String?, contentIndex: Int?) {
        guard let item else { return }
        let base = "\(item)/\(contentIndex ?? 0)/"
        if part["text"] != nil, let stream = streams[base + "output_text"] { part["text"] = stream.releasedText }
        if part["refusal"] != nil, let stream = streams[base + "refusal"] { part["refusal"] = stream.releasedText }
    }

    // MARK: - Streams

    private mutating func stream(_ key: String, isContent: Bool) -> TextStream {
        if let stream = streams[key] { return stream }
        // The Responses API repeats each full text at its end, so its streams keep what they released.
        let stream = TextStream(filter: settings.makeStreamFilter(rules: rules, isContent: isContent),
                                keepsReleasedText: dialect == .responses, events: settings.events)
        streams[key] = stream
        return stream
    }

    /// Releases the tails of streams that never saw their end (no finish reason before `[DONE]` or the end of
    /// input), in a record of their own.
    private mutating func flushOpenStreams(into output: inout [UInt8]) {
        let open = streams.filter { !$0.value.isFinished }.keys.sorted()
        guard !open.isEmpty else { return }
        switch dialect ?? .chatCompletions {
        case .chatCompletions:
            var choices: [[String: Any]] = []
            for choice in Set(open.compactMap { Int($0.split(separator: "/")[0]) }).sorted() where !endedChoices.contains(choice) {
                var delta: [String: Any] = [:]
                finishStreams(ofChoice: choice, into: &delta)
                let blocked = isBlocked(choice: choice)
                wasBlocked = wasBlocked || blocked
                if ChatMessageTexts.carriesText(delta) || blocked {
                    choices.append(["index": choice, "delta": delta, "finish_reason": blocked ? "content_filter" : NSNull()])
                }
            }
            if !choices.isEmpty { output += Array(addedRecord(envelope.merging(["choices": choices]) { $1 }).utf8) }
        case .responses:
            for key in open {
                let tail = streams[key]!.finish(context: ["stream": key])
                wasBlocked = wasBlocked || streams[key]!.filter.isBlocked
                guard !tail.isEmpty else { continue }
                let parts = key.split(separator: "/")
                let record: [String: Any] = ["type": "response.\(parts[2] == "output_text" ? "output_text" : String(parts[2])).delta",
                                             "item_id": String(parts[0]), "content_index": Int(parts[1]) ?? 0, "delta": tail]
                output += Array(addedRecord(record).utf8)
            }
        }
    }

    private static func serialize(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// One text stream inside a structured response: a ``StreamFilter`` and, for formats that repeat the full
/// text at the end, everything it released.
final class TextStream {
    let filter: StreamFilter
    private let keepsReleasedText: Bool
    private var released: [UInt8] = []
    private var output = FilterOutput()
    private(set) var isFinished = false

    private let events: ResponseEventHandler?

    init(filter: StreamFilter, keepsReleasedText: Bool, events: ResponseEventHandler?) {
        self.filter = filter
        self.keepsReleasedText = keepsReleasedText
        self.events = events
    }

    /// Everything the stream released, for streams that keep it.
    var releasedText: String { String(decoding: released, as: UTF8.self) }

    func feed(_ text: String, context: [String: String]) -> String {
        filter.feed(text, into: &output)
        return drain(context: context)
    }

    func finish(context: [String: String]) -> String {
        isFinished = true
        filter.finish(into: &output)
        return drain(context: context)
    }

    private func drain(context: [String: String]) -> String {
        defer { output.removeAll() }
        if keepsReleasedText { released += output.bytes }
        if !output.events.isEmpty { events?(output.events, context) }
        return output.text
    }
}
