extension RuleSet {
    /// How the search of one rule over a buffer ended.
    enum RuleSearchEnd: Equatable {
        /// The rule has no further match in the buffer.
        case complete
        /// The buffer ends inside a possible match that starts here (partial searches only).
        case partial(start: Int)
        /// A PCRE2 error (normally a limit) stopped the search that started here.
        case failed(PCRE2Error, at: Int)
    }

    /// Finds every match of rule `ruleIndex` in `subject` from `start` on: PCRE2's find-all, leftmost-first
    /// and non-overlapping, appended to `matches`.
    ///
    /// - Parameters:
    ///   - partial: search with `PCRE2_PARTIAL_HARD`, for a buffer that more text may follow.
    ///   - startsInsideText: the subject begins after the start of the text (a stream's window).
    func searchRule(
        _ ruleIndex: Int,
        in subject: UnsafeBufferPointer<UInt8>,
        from start: Int,
        partial: Bool,
        startsInsideText: Bool = false,
        scratch: PCRE2MatchScratch,
        into matches: inout [RawMatch]
    ) -> RuleSearchEnd {
        var position = start
        while position < subject.count {
            let result = patterns[ruleIndex].search(subject, from: position, partial: partial, startsInsideText: startsInsideText, scratch: scratch)
            switch result {
            case .match(let range):
                if rules[ruleIndex].verifier?.accepts(subject[range]) ?? true {
                    matches.append(RawMatch(ruleIndex: ruleIndex, start: range.lowerBound, end: range.upperBound))
                }
                position = range.upperBound
            case .partial(let partialStart):
                return .partial(start: partialStart)
            case .noMatch:
                return .complete
            case .failure(let error):
                return .failed(error, at: position)
            }
        }
        return .complete
    }

    /// Raw matches of every rule in `text`, before overlaps between rules are resolved.
    ///
    /// The matches of each rule are PCRE2's find-all; ``scan(_:)`` applies ``MatchResolver`` to them.
    public func rawMatches(in text: String) -> ScanResult {
        search(ValidUTF8Text(text), resolved: false)
    }

    /// Raw matches in UTF-8 bytes that may be invalid (invalid sequences read as U+FFFD).
    public func rawMatches(inBytes bytes: some Collection<UInt8>) -> ScanResult {
        search(ValidUTF8Text(bytes: bytes), resolved: false)
    }

    /// The matches that take effect in `text`: raw matches with `allow` suppression and overlaps resolved
    /// (see ``MatchResolver``). Allow matches themselves are not listed.
    public func scan(_ text: String) -> ScanResult {
        search(ValidUTF8Text(text), resolved: true)
    }

    /// ``scan(_:)`` for UTF-8 bytes that may be invalid (invalid sequences read as U+FFFD; offsets are
    /// offsets in `bytes`).
    public func scan(bytes: some Collection<UInt8>) -> ScanResult {
        search(ValidUTF8Text(bytes: bytes), resolved: true)
    }

    private func search(_ text: ValidUTF8Text, resolved: Bool) -> ScanResult {
        let scratch = PCRE2MatchScratch(context: matchContext)
        var raw: [RawMatch] = []
        var failures: [SearchFailure] = []
        text.bytes.withUnsafeBufferPointer { subject in
            for index in rules.indices {
                if case .failed(let error, let offset) = searchRule(index, in: subject, from: 0, partial: false, scratch: scratch, into: &raw) {
                    failures.append(SearchFailure(rule: rules[index].id, offset: text.offsets.original(offset), error: error))
                }
            }
        }
        let selected = resolved ? MatchResolver.resolve(raw, actions: rules.map(\.action), categories: categoryNumbers) : raw.sorted(by: MatchResolver.textOrder)
        let matches = selected.map { match in
            let rule = rules[match.ruleIndex]
            return RuleMatch(
                rule: rule.id, category: rule.category, action: rule.action,
                start: text.offsets.original(match.start), end: text.offsets.original(match.end),
                text: String(decoding: text.bytes[match.start..<match.end], as: UTF8.self))
        }
        return ScanResult(matches: matches, failures: failures)
    }
}
