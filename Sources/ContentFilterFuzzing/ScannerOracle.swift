internal import ContentFilter

/// The checks of the ``FuzzTarget/scanner`` target, which the rule loader's target also runs on the rule
/// sets it loads.
enum ScannerOracle {
    /// Scans `text` (any bytes) with `rules` and checks what comes out.
    ///
    /// - Parameter baseline: the same rules without the prefilter, whose raw matches must be the same when
    ///   no search hits a limit.
    static func check(text: [UInt8], rules: RuleSet, baseline: RuleSet = .shippedWithoutPrefilter) throws(FuzzFailure) {
        let scanned = rules.scan(bytes: text)
        try checkMatches(scanned, of: text, rules: rules)
        if let string = String(validating: text, as: UTF8.self) {
            let stringScan = rules.scan(string)
            guard stringScan == scanned else {
                throw failure("the String scan differs from the byte scan: \(stringScan) against \(scanned)", text: text)
            }
        } else {
            // Invalid sequences read as U+FFFD: the repaired text has the same matches, at its own offsets.
            let repairedMatches = rules.scan(String(decoding: text, as: UTF8.self)).matches.map { [$0.rule, $0.text] }
            guard repairedMatches == scanned.matches.map({ [$0.rule, $0.text] }) else {
                throw failure("the repaired text's matches \(repairedMatches) differ from the byte scan's \(scanned.matches)", text: text)
            }
        }
        let raw = rules.rawMatches(inBytes: text)
        let unfiltered = baseline.rawMatches(inBytes: text)
        guard raw.failures.isEmpty && unfiltered.failures.isEmpty else { return }
        guard raw == unfiltered else {
            let missed = unfiltered.matches.filter { !raw.matches.contains($0) }
            let extra = raw.matches.filter { !unfiltered.matches.contains($0) }
            throw failure("the prefilter changes the raw matches: missed \(missed), extra \(extra)", text: text)
        }
    }

    /// Checks that the matches of a scan lie in `text`, on its characters, in text order, without overlaps,
    /// each with its rule's category and action and the text it covers.
    static func checkMatches(_ scanned: ScanResult, of text: [UInt8], rules: RuleSet) throws(FuzzFailure) {
        let repaired = Array(String(decoding: text, as: UTF8.self).utf8)
        var previousEnd = 0
        for match in scanned.matches {
            guard previousEnd <= match.start, match.start <= match.end, match.end <= text.count else {
                throw failure("match \(match) is out of order, overlaps the one before (ending at \(previousEnd)) or lies outside the text",
                              text: text)
            }
            previousEnd = match.end
            guard let rule = rules.rule(withID: match.rule), rule.category == match.category, rule.action == match.action,
                  match.action != .allow else {
                throw failure("match \(match) does not carry its rule's category and action, or is an allow match", text: text)
            }
            let before = decoded(text[..<match.start]), covered = decoded(text[match.start..<match.end]), after = decoded(text[match.end...])
            // Cut inside a character (or an invalid sequence), the pieces decode to more U+FFFD than the whole.
            guard before + covered + after == repaired else {
                throw failure("match \(match) does not start and end on character boundaries", text: text)
            }
            guard covered == Array(match.text.utf8) else {
                throw failure("match \(match) reports a text other than the \(String(decoding: covered, as: UTF8.self).debugDescription) it covers",
                              text: text)
            }
        }
        guard scanned.failures.allSatisfy({ (0...text.count).contains($0.offset) && rules.rule(withID: $0.rule) != nil }) else {
            throw failure("a search failure names an unknown rule or an offset outside the text: \(scanned.failures)", text: text)
        }
    }

    private static func decoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).utf8)
    }

    private static func failure(_ message: String, text: [UInt8]) -> FuzzFailure {
        FuzzFailure("\(message)\ntext: \(String(decoding: text, as: UTF8.self).debugDescription) (\(text.count) bytes)")
    }
}
