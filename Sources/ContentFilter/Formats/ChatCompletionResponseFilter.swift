internal import Foundation

/// Filters a non-streaming OpenAI chat-completions response (one JSON object) through the whole-text
/// path: each text of each choice's message is fed whole to its own stream filter, with the same actions,
/// disclosure and disclaimers as a streamed answer. A choice with a blocked text ends with
/// `finish_reason: "content_filter"`; its text is the clean part and the refusal. `logprobs` are dropped.
///
/// The body is held to its end, at most ``maximumBodyBytes``. A body that is larger or is not a JSON
/// object is never passed on: an OpenAI-style error object replaces it, an `invalid_record` event reports
/// it, and it counts as blocked.
public struct ChatCompletionResponseFilter: ResponseStreamFilter {
    /// The largest body that is filtered.
    public static let maximumBodyBytes = 16 << 20

    private let settings: ResponseFilterSettings
    private var body: [UInt8] = []
    private var receivedCount = 0
    public private(set) var wasBlocked = false

    public init(_ settings: ResponseFilterSettings) {
        self.settings = settings
    }

    public mutating func consume(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        receivedCount += bytes.count
        if receivedCount <= Self.maximumBodyBytes { body += bytes } else { body = [] }
    }

    public mutating func finish(into output: inout [UInt8]) {
        guard receivedCount <= Self.maximumBodyBytes,
              var response = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            settings.events?([FilterEvent(type: .invalidRecord, start: 0, end: receivedCount)], [:])
            let problem = receivedCount > Self.maximumBodyBytes
                ? "the upstream's response is larger than \(Self.maximumBodyBytes) bytes" : "the upstream's response is not a JSON object"
            output += Self.serialize(["error": ["message": "\(problem): withheld by the content filter", "type": "content_filter_error",
                                                "code": "unfilterable_response"]])
            wasBlocked = true
            return
        }
        body = []
        if var choices = response["choices"] as? [[String: Any]] {
            let rules = settings.rules.current
            for index in choices.indices {
                guard var message = choices[index]["message"] as? [String: Any] else { continue }
                var blocked = false
                for field in ChatMessageTexts.fields(of: message) {
                    guard let text = ChatMessageTexts.text(at: field, in: message) else { continue }
                    let filter = settings.makeStreamFilter(rules: rules, isContent: field == "content")
                    var filtered = FilterOutput()
                    filter.feed(text, into: &filtered)
                    filter.finish(into: &filtered)
                    if !filtered.events.isEmpty { settings.events?(filtered.events, ["choice": "\(index)", "field": field]) }
                    ChatMessageTexts.setText(filtered.text, at: field, in: &message)
                    blocked = blocked || filter.isBlocked
                }
                choices[index]["message"] = message
                // Log probabilities list the unfiltered tokens: they never pass.
                if let logprobs = choices[index]["logprobs"], !(logprobs is NSNull) { choices[index]["logprobs"] = NSNull() }
                if blocked {
                    choices[index]["finish_reason"] = "content_filter"
                    wasBlocked = true
                }
            }
            response["choices"] = choices
        }
        output += Self.serialize(response)
    }

    private static func serialize(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }
}
