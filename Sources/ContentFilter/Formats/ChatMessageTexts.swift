/// The texts of a chat-completions message or streamed delta, by their path in it: `content`, `refusal`,
/// `reasoning_content`, `function_call.arguments`, `audio.transcript` and each tool call's
/// `tool_calls.N.function.arguments` (N its `index`). Each is filtered as its own text.
enum ChatMessageTexts {
    /// The paths of texts other than tool calls.
    static let textFields = ["content", "refusal", "reasoning_content", "function_call.arguments", "audio.transcript"]

    /// The paths of the texts `message` may carry, its tool calls' included.
    static func fields(of message: [String: Any]) -> [String] {
        var fields = textFields
        for (position, call) in ((message["tool_calls"] as? [[String: Any]]) ?? []).enumerated() {
            fields.append("tool_calls.\(call["index"] as? Int ?? position).function.arguments")
        }
        return fields
    }

    /// The text at a field path of a message: `content`, `audio.transcript`, `tool_calls.2.function.arguments`
    /// (the tool call with `index` 2, or the third).
    static func text(at field: String, in message: [String: Any]) -> String? {
        let path = field.split(separator: ".").map(String.init)
        if path[0] == "tool_calls" {
            let calls = (message["tool_calls"] as? [[String: Any]]) ?? []
            guard let position = position(ofCall: Int(path[1]) ?? 0, in: calls) else { return nil }
            return (calls[position]["function"] as? [String: Any])?["arguments"] as? String
        }
        return path.count == 1 ? message[field] as? String : (message[path[0]] as? [String: Any])?[path[1]] as? String
    }

    /// Sets the text at a field path of a message, adding the objects on the way (for a tail, the tool call
    /// with that `index`).
    static func setText(_ text: String, at field: String, in message: inout [String: Any]) {
        let path = field.split(separator: ".").map(String.init)
        if path[0] == "tool_calls" {
            let index = Int(path[1]) ?? 0
            var calls = message["tool_calls"] as? [[String: Any]] ?? []
            let position = position(ofCall: index, in: calls) ?? {
                calls.append(["index": index, "function": [String: Any]()])
                return calls.count - 1
            }()
            var function = calls[position]["function"] as? [String: Any] ?? [:]
            function["arguments"] = text
            calls[position]["function"] = function
            message["tool_calls"] = calls
        } else if path.count == 1 {
            message[field] = text
        } else {
            var object = message[path[0]] as? [String: Any] ?? [:]
            object[path[1]] = text
            message[path[0]] = object
        }
    }

    /// Where the tool call numbered `index` is in `calls`: streamed calls carry their `index`, a whole
    /// message's calls are numbered by position.
    private static func position(ofCall index: Int, in calls: [[String: Any]]) -> Int? {
        calls.indices.first { (calls[$0]["index"] as? Int ?? $0) == index }
    }

    /// Whether the message carries any text.
    static func carriesText(_ message: [String: Any]) -> Bool {
        textFields.contains { !(text(at: $0, in: message) ?? "").isEmpty }
            || ((message["tool_calls"] as? [[String: Any]]) ?? []).contains {
                !((($0["function"] as? [String: Any])?["arguments"] as? String) ?? "").isEmpty
            }
    }
}
