/// Splits a server-sent-events byte stream into records as the SSE specification says: lines end in
/// CRLF, LF or CR; a blank line ends a record; `data` lines join with LF; `:` lines are comments.
/// Records may be split across reads anywhere.
struct SSERecordParser {
    struct Record {
        /// The record's lines as received, without line ends (fields and comments).
        var lines: [String] = []
        /// The `event` field, if any.
        var event: String?
        /// The `data` lines joined with LF, or `nil` when there is no `data` field.
        var data: String?
        /// Byte span of the record in the input.
        var start = 0
        var end = 0
    }

    private var line: [UInt8] = []
    private var record = Record()
    private var afterCarriageReturn = false
    private var offset = 0

    /// Consumes bytes; returns the records they complete.
    mutating func consume(_ bytes: some Collection<UInt8>) -> [Record] {
        var records: [Record] = []
        for byte in bytes {
            offset += 1
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == 0x0A { continue }  // the LF of a CRLF
            }
            switch byte {
            case 0x0A, 0x0D:
                afterCarriageReturn = byte == 0x0D
                if let finished = endLine() { records.append(finished) }
            default:
                line.append(byte)
            }
        }
        return records
    }

    /// Ends the input: a last record without its blank line is still delivered.
    mutating func finish() -> Record? {
        if !line.isEmpty { _ = endLine() }
        return record.lines.isEmpty ? nil : dispatch()
    }

    private mutating func endLine() -> Record? {
        let text = String(decoding: line, as: UTF8.self)
        line.clear()
        guard !text.isEmpty else { return record.lines.isEmpty ? nil : dispatch() }
        if record.lines.isEmpty { record.start = offset - text.utf8.count - 1 }
        record.lines.append(text)
        guard !text.hasPrefix(":") else { return nil }
        let (field, value) = Self.split(text)
        switch field {
        case "data": record.data = record.data.map { $0 + "\n" + value } ?? value
        case "event": record.event = value
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> Record {
        var finished = record
        finished.end = offset
        record = Record()
        return finished
    }

    /// A field line's name and value (one space after the colon is dropped).
    static func split(_ line: String) -> (field: Substring, value: String) {
        guard let colon = line.firstIndex(of: ":") else { return (line[...], "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (line[..<colon], String(value))
    }
}

extension SSERecordParser.Record {
    /// The record as SSE text, with `data` replaced by `newData` (one line per line of it) where the first
    /// `data` line stood, and other lines as they were.
    func serialized(replacingDataWith newData: String? = nil) -> String {
        var text = ""
        var wroteData = false
        for line in lines {
            let isData = !line.hasPrefix(":") && SSERecordParser.split(line).field == "data"
            if isData, let newData {
                if !wroteData {
                    for dataLine in newData.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(dataLine)\n" }
                    wroteData = true
                }
            } else {
                text += line + "\n"
            }
        }
        return text + "\n"
    }
}
