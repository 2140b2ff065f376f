extension Array {
    /// Empties the array and keeps its storage; free when it is already empty (`removeAll(keepingCapacity:)`
    /// is a call into the standard library even then). For buffers reused on every chunk of a stream.
    @inline(__always)
    mutating func clear() {
        if !isEmpty { removeAll(keepingCapacity: true) }
    }
}
