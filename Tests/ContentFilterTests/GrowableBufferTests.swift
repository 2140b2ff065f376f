import Testing
@testable import ContentFilter

/// The buffer behind a stream's text and a search's reusable lists.
@Suite struct GrowableBufferTests {
    /// Appends past several growths keep every element in order; emptying keeps the buffer usable.
    @Test func appendsGrowAndEmpty() {
        var buffer = GrowableBuffer<Int>()
        let startsEmpty = buffer.isEmpty && buffer.elements.isEmpty
        #expect(startsEmpty)
        for value in 0..<100 { buffer.append(value) }
        buffer.append(contentsOf: [100, 101, 102])
        let elements = Array(buffer.elements)
        #expect(elements == Array(0...102))
        let element = buffer[57]
        #expect(element == 57)
        buffer.removeAll()
        let isEmpty = buffer.isEmpty && buffer.count == 0
        #expect(isEmpty)
        buffer.append(7)
        let refilled = Array(buffer.elements)
        #expect(refilled == [7])
    }

    /// Dropping from the front moves the rest there, including all or none of it.
    @Test func removesFromTheFront() {
        var buffer = ByteBuffer()
        buffer.append(contentsOf: Array("hello, world".utf8))
        var texts: [String] = []
        for count in [0, 7, 5] {
            buffer.removeFirst(count)
            texts.append(String(decoding: buffer.bytes, as: UTF8.self))
        }
        buffer.append(contentsOf: Array("again".utf8))
        texts.append(String(decoding: buffer.bytes, as: UTF8.self))
        #expect(texts == ["hello, world", "world", "", "again"])
    }

    /// Elements changed in place stay changed.
    @Test func changesInPlace() {
        var buffer = GrowableBuffer<Int>()
        buffer.append(contentsOf: [3, 1, 2])
        var elements = buffer.mutableElements
        elements.sort()
        let sorted = Array(buffer.elements)
        #expect(sorted == [1, 2, 3])
    }
}
