/// What a ``StreamFilter`` releases: bytes to send on, and events.
///
/// Owned by the caller and reused across chunks (``removeAll()`` keeps the storage), so that feeding a
/// stream does not allocate once the buffers have grown to size.
public struct FilterOutput: Sendable, Hashable {
    /// UTF-8 text to send to the user, always whole characters.
    public var bytes: [UInt8] = []
    public var events: [FilterEvent] = []

    public init() {}

    /// ``bytes`` as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var isEmpty: Bool { bytes.isEmpty && events.isEmpty }

    /// Empties the output, keeping its storage for the next chunk.
    public mutating func removeAll() {
        bytes.clear()
        events.clear()
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}
