/// A 64-bit FNV-1a hash of bytes, the same on every machine and in every run (unlike `Hasher`): names a
/// rule set's version by the contents of its files.
struct ContentHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x100_0000_01b3
        }
    }

    /// Hashes `text`'s UTF-8 and then its length, so that consecutive strings cannot run together.
    mutating func combine(_ text: String) {
        combine(text.utf8)
        withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { combine($0) }
    }

    /// The value as 16 lowercase hex digits.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
