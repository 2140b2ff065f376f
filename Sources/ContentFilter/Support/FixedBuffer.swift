/// A fixed-size array in memory allocated once, for the matcher's hot lookup tables: read with no
/// reference counting and, in release builds, no bounds checks.
///
/// A trivial struct: copies share the memory. The immutable class that owns it fills it while it is being
/// built, only reads it afterwards, and calls ``free()`` from its `deinit`; no copy may be used after that.
struct FixedBuffer<Element> {
    private let base: UnsafeMutablePointer<Element>
    let count: Int

    /// A buffer holding `elements`.
    init(_ elements: some Collection<Element>) {
        count = elements.count
        base = .allocate(capacity: Swift.max(1, count))
        _ = UnsafeMutableBufferPointer(start: base, count: count).initialize(from: elements)
    }

    /// A buffer of `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        self.count = count
        base = .allocate(capacity: Swift.max(1, count))
        base.initialize(repeating: value, count: count)
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            assert(index >= 0 && index < count, "index out of range")
            return base[index]
        }
        nonmutating set {
            assert(index >= 0 && index < count, "index out of range")
            base[index] = newValue
        }
    }

    /// The first element's address, for loops that keep it in a register.
    var pointer: UnsafePointer<Element> { UnsafePointer(base) }

    /// The elements from `start` up to `end`.
    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(start: base + start, count: end - start)
    }

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

extension FixedBuffer: RandomAccessCollection {
    var startIndex: Int { 0 }
    var endIndex: Int { count }
}

extension FixedBuffer: @unchecked Sendable where Element: Sendable {}

/// Rows of different lengths, one after another in a ``FixedBuffer``, for lookup tables such as "the rules
/// of each literal": a row is read in place, with no reference counting (an array of arrays retains the
/// row it hands out).
///
/// Like ``FixedBuffer``: filled once, by the immutable class that owns it, which calls ``free()`` from its
/// `deinit`.
struct FixedRows<Element> {
    /// Row `i` is `elements[starts[i]..<starts[i + 1]]`.
    private let starts: FixedBuffer<Int>
    private let elements: FixedBuffer<Element>

    init(_ rows: [[Element]]) {
        starts = FixedBuffer(rows.reduce(into: [0]) { starts, row in starts.append(starts.last! + row.count) })
        elements = FixedBuffer(Array(rows.joined()))
    }

    @inline(__always)
    subscript(row: Int) -> UnsafeBufferPointer<Element> { elements.slice(starts[row], starts[row + 1]) }

    func free() {
        starts.free()
        elements.free()
    }
}

extension FixedRows: @unchecked Sendable where Element: Sendable {}
