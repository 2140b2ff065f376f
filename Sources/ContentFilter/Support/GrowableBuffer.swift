/// A growable run of plain values in memory of its own, for a stream's text and for the buffers that a search
/// reuses on every chunk: read in place through ``elements``, with no reference counting, and emptied by
/// setting its count. (An array stored in a class is retained around each use that the compiler cannot prove
/// safe without, and `removeAll(keepingCapacity:)` is a call into the standard library: each costs more than
/// the scan of a short chunk.)
///
/// Non-copyable: one owner, which frees the memory when it goes. Nothing is allocated until the first append.
struct GrowableBuffer<Element: BitwiseCopyable>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity: Int
    private(set) var count = 0

    /// An empty buffer with room for `capacity` elements before it grows.
    init(capacity: Int = 0) {
        self.capacity = Swift.max(0, capacity)
        base = capacity > 0 ? .allocate(capacity: capacity) : nil
    }

    deinit { base?.deallocate() }

    /// The elements, valid until the buffer next changes.
    var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// The elements, to change in place; valid until the buffer next changes.
    var mutableElements: UnsafeMutableBufferPointer<Element> {
        mutating get { UnsafeMutableBufferPointer(start: base, count: count) }
    }

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "index out of range")
        return base.unsafelyUnwrapped[index]
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(toHold: count + 1) }
        base.unsafelyUnwrapped[count] = element
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress, !elements.isEmpty else { return }
        if capacity - count < elements.count { grow(toHold: count + elements.count) }
        (base.unsafelyUnwrapped + count).update(from: source, count: elements.count)
        count += elements.count
    }

    mutating func append(contentsOf elements: some Collection<Element>) {
        if elements.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            for element in elements { append(element) }
        }
    }

    /// Empties the buffer, keeping its memory.
    mutating func removeAll() { count = 0 }

    /// Drops the last `n` elements.
    mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count, "cannot remove more elements than the buffer holds")
        count -= n
    }

    /// Drops the first `n` elements, moving the rest to the front.
    mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count, "cannot remove more elements than the buffer holds")
        guard n > 0, let base else { return }
        base.update(from: base + n, count: count - n)  // the regions may overlap
        count -= n
    }

    /// Makes room for `needed` elements in all (more than there is), at least doubling the capacity.
    @inline(never)
    private mutating func grow(toHold needed: Int) {
        let grown = Swift.max(needed, capacity * 2, 16)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: grown)
        if let base {
            moved.initialize(from: base, count: count)
            base.deallocate()
        }
        base = moved
        capacity = grown
    }
}

/// A stream's text: UTF-8 bytes.
typealias ByteBuffer = GrowableBuffer<UInt8>

extension GrowableBuffer where Element == UInt8 {
    /// The bytes, valid until the buffer next changes.
    var bytes: UnsafeBufferPointer<UInt8> { elements }
}
