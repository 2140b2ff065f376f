// Writes a Swift source file that embeds rule files as string literals.
// Usage: ContentFilterRuleEmbedder OUTPUT.swift FILE...
import Foundation

/// Escapes `text` as the body of an ordinary (non-raw) Swift string literal.
func swiftStringLiteralBody(_ text: String) -> String {
    var body = ""
    body.reserveCapacity(text.utf8.count + text.utf8.count / 8)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": body += "\\\\"
        case "\"": body += "\\\""
        case "\n": body += "\\n"
        case "\r": body += "\\r"
        case "\t": body += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                body += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                body.unicodeScalars.append(scalar)
            }
        }
    }
    return body
}

let arguments = CommandLine.arguments.dropFirst()
guard let outputPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: ContentFilterRuleEmbedder OUTPUT.swift FILE...\n".utf8))
    exit(2)
}
var source = """
    // Generated at build time from Rules/ by ContentFilterRuleEmbedder. Do not edit.

    /// The shipped rule files: file name and contents, sorted by name.
    let shippedRuleFiles: [(name: String, contents: String)] = [

    """
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("error: \(path): not readable as UTF-8\n".utf8))
        exit(1)
    }
    source += "    (\"\(swiftStringLiteralBody(url.lastPathComponent))\", \"\(swiftStringLiteralBody(text))\"),\n"
}
source += "]\n"
do {
    try source.write(toFile: outputPath, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("error: \(outputPath): \(error)\n".utf8))
    exit(1)
}
