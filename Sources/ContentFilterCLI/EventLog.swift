import ContentFilter
import Foundation

/// Writes events as JSON Lines (`--events FILE`, `-` for stderr), each with a timestamp.
final class EventLog {
    private let handle: FileHandle
    private let encoder = JSONEncoder.lines
    private let timestampFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Opens `path` for writing (`-` is stderr); exits with status 2 if it cannot.
    init(path: String) throws {
        if path == "-" {
            handle = .standardError
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            printError("error: \(path): cannot write the events file")
            throw ExitStatus.usageOrInputError
        }
        self.handle = handle
    }

    /// One event, with where it happened in a multi-stream format (e.g. `choice` and `field` in SSE).
    private struct Line: Encodable {
        let event: FilterEvent
        let timestamp: String
        let context: [String: String]

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            try event.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(timestamp, forKey: Key(stringValue: "timestamp"))
            for (key, value) in context { try container.encode(value, forKey: Key(stringValue: key)) }
        }
    }

    func write(_ events: [FilterEvent], context: [String: String] = [:]) {
        guard !events.isEmpty else { return }
        let timestamp = timestampFormat.format(Date())
        var data = Data()
        for event in events {
            data += (try? encoder.encode(Line(event: event, timestamp: timestamp, context: context))) ?? Data()
            data.append(0x0A)
        }
        handle.write(data)
    }
}
