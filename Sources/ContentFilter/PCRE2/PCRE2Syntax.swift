/// Pieces of PCRE2's pattern syntax that more than one of the library's readers of patterns decodes (the
/// literal extractor, the lint's risk checks).
enum PCRE2Syntax {
    /// The character a hex escape stands for, read from its digits after `\x` at `start` in `scalars`:
    /// `{…}`, or up to two hex digits. Returns that character (`nil` when the digits make none) and where
    /// the escape ends.
    static func hexEscape(in scalars: [Unicode.Scalar], digitsAt start: Int) -> (character: Unicode.Scalar?, end: Int) {
        var position = start
        var digits = ""
        if position < scalars.count && scalars[position] == "{" {
            position += 1
            while position < scalars.count && scalars[position] != "}" {
                digits.unicodeScalars.append(scalars[position])
                position += 1
            }
            guard position < scalars.count else { return (nil, position) }
            position += 1
        } else {
            while digits.unicodeScalars.count < 2, position < scalars.count, scalars[position].properties.isASCIIHexDigit {
                digits.unicodeScalars.append(scalars[position])
                position += 1
            }
        }
        return (UInt32(digits, radix: 16).flatMap(Unicode.Scalar.init), position)
    }
}
