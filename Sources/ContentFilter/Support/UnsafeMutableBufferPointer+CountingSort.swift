extension UnsafeMutableBufferPointer {
    /// Puts the elements in order of `key`, a number from 0 to `keyCount - 1`, keeping the order of elements
    /// with the same key: a counting sort, for many elements with keys in a short range (one pass over the
    /// keys' range and two over the elements). `counts` and `buffer` are storage reused from call to call.
    func countingSort(keyCount: Int, counts: inout [Int], buffer: inout [Element], key: (Element) -> Int) {
        guard count > 1 else { return }
        counts.removeAll(keepingCapacity: true)
        counts.append(contentsOf: repeatElement(0, count: keyCount + 1))
        // This pass checks every key against the range: the last one, in place, need not.
        for element in self { counts[key(element) + 1] += 1 }
        for index in 0..<keyCount { counts[index + 1] += counts[index] }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: self)
        buffer.withUnsafeBufferPointer { elements in
            counts.withUnsafeMutableBufferPointer { places in
                for element in elements {
                    let key = key(element)
                    self[places[key]] = element
                    places[key] += 1
                }
            }
        }
    }
}
