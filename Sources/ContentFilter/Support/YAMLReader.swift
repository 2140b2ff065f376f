internal import Foundation
internal import Yams

/// Reads values out of a composed YAML document, recording a ``RuleProblem`` with file and line for
/// every value of the wrong shape, so that a whole file is checked in one pass. Shared by the rule parser
/// and the configuration parser.
struct YAMLReader {
    /// The file being read, as problems name it.
    var file: String
    /// The rule being read, if any, as problems name it.
    var rule: String?
    private(set) var problems: [RuleProblem] = []

    init(file: String) {
        self.file = file
    }

    /// Parses `text`; a YAML error becomes a problem and the result `nil`.
    mutating func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                report(.error, line: mark.line, "invalid YAML: \(problem)", hint: "check indentation and quoting on this line or the one before")
            case .duplicatedKeysInMapping(let duplicates, let context):
                report(.error, line: context.mark.line, "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", "))",
                       hint: "each key once per mapping")
            default:
                report(.error, line: 1, "invalid YAML: \(error)")
            }
        } catch {
            report(.error, line: 1, "invalid YAML: \(error)")
        }
        return nil
    }

    mutating func report(_ severity: RuleProblem.Severity, at node: Node, _ message: String, hint: String? = nil) {
        report(severity, line: node.mark?.line ?? 0, message, hint: hint)
    }

    mutating func report(_ severity: RuleProblem.Severity, line: Int, _ message: String, hint: String? = nil) {
        problems.append(RuleProblem(severity, at: SourceLocation(file: file, line: line), rule: rule, message, hint: hint))
    }

    mutating func append(_ problem: RuleProblem) {
        problems.append(problem)
    }

    func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0)
    }

    /// Whether any error was recorded since `count` problems had been.
    func hasErrors(since count: Int) -> Bool {
        problems[count...].contains { $0.severity == .error }
    }

    // MARK: Shapes

    /// The node as a mapping, or a problem.
    mutating func mapping(_ node: Node, key: String, hint: String? = nil) -> Node.Mapping? {
        if let mapping = node.mapping { return mapping }
        report(.error, at: node, "`\(key)` must be a mapping", hint: hint)
        return nil
    }

    /// Reports every key of `mapping` that is not in `allowed`, with a "did you mean" hint.
    mutating func checkKeys(of mapping: Node.Mapping, allowed: [String]) {
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            report(.error, at: key, "unknown key `\(name)`", hint: Self.suggestion(for: name, among: allowed))
        }
    }

    mutating func string(_ node: Node, key: String) -> String? {
        if let scalar = node.scalar { return scalar.string }
        report(.error, at: node, "`\(key)` must be a single value")
        return nil
    }

    mutating func bool(_ node: Node, key: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            report(.error, at: node, "`\(key)` must be true or false")
            return nil
        }
    }

    mutating func integer(_ node: Node, key: String, in range: ClosedRange<Int>) -> Int? {
        if let value = node.scalar.flatMap({ Int($0.string) }), range.contains(value) { return value }
        report(.error, at: node, "`\(key)` must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        return nil
    }

    /// A value that must be one of `T`'s raw values.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, key: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let value = string(node, key: key) else { return nil }
        if let parsed = T(rawValue: value) { return parsed }
        report(.error, at: node, "unknown \(key) `\(value)`", hint: Self.suggestion(for: value, among: T.allCases.map(\.rawValue)))
        return nil
    }

    /// A list of strings (a single string is taken as a list of one), each with its line.
    mutating func strings(_ node: Node, key: String) -> [(text: String, location: SourceLocation)] {
        if let scalar = node.scalar { return [(scalar.string, location(of: node))] }
        guard let sequence = node.sequence else {
            report(.error, at: node, "`\(key)` must be a list of strings")
            return []
        }
        var result: [(text: String, location: SourceLocation)] = []
        for item in sequence {
            if let scalar = item.scalar {
                result.append((scalar.string, location(of: item)))
            } else {
                report(.error, at: item, "`\(key)` must be a list of strings",
                       hint: "quote the item if it contains `: ` or starts with `[`, `{` or `-`")
            }
        }
        return result
    }

    /// "did you mean `x`?" for a close candidate, otherwise the list of candidates.
    static func suggestion(for value: String, among candidates: [String]) -> String {
        let best = candidates.min { editDistance(value, $0) < editDistance(value, $1) }
        if let best, editDistance(value, best) <= max(2, value.count / 3) { return "did you mean `\(best)`?" }
        return "one of: " + candidates.joined(separator: ", ")
    }
}

/// Levenshtein distance, for "did you mean" hints.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
