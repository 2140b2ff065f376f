/// A check that a match must also pass, for what a pattern cannot express: check digits.
///
/// A match that fails is dropped (the search goes on after it).
public enum MatchVerifier: String, Sendable, Hashable, CaseIterable, Codable {
    /// The digits of the match (spaces and dashes ignored) pass the Luhn check, as bank card numbers do.
    case luhn
    /// An 18-character Chinese resident identity number (GB 11643) whose last character is the ISO 7064
    /// MOD 11-2 check character of the first 17 digits.
    case chineseResidentID = "cn_resident_id"

    /// Whether `text` passes the check.
    public func accepts(_ text: some Collection<UInt8>) -> Bool {
        let characters = text.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") }
        switch self {
        case .luhn:
            guard characters.count >= 2, characters.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
            var sum = 0
            for (position, character) in characters.reversed().enumerated() {
                var digit = Int(character - 0x30)
                if position % 2 == 1 {
                    digit *= 2
                    if digit > 9 { digit -= 9 }
                }
                sum += digit
            }
            return sum % 10 == 0
        case .chineseResidentID:
            guard characters.count == 18, characters.prefix(17).allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            let sum = zip(characters.prefix(17), weights).reduce(0) { $0 + Int($1.0 - 0x30) * $1.1 }
            let check = Array("10X98765432".utf8)[sum % 11]
            let last = characters[characters.count - 1]
            return last == check || (check == UInt8(ascii: "X") && last == UInt8(ascii: "x"))
        }
    }
}
