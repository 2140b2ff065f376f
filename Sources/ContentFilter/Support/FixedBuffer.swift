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

extension FixedBuffer: @unchecked Sendable where Element: Sendable {}
