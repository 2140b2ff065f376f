extension RuleSet {
    /// The matches of one rule in `text` (raw: before other rules' overlaps and `allow` rules), searched in
    /// its group's view as every search is, with spans in `text`'s UTF-8.
    func matches(ofRule index: Int, in text: String, scratch: PCRE2MatchScratch) -> [RawMatch] {
        var found: [RawMatch] = []
        var text = text
        text.withUTF8 { original in
            let (view, offsets) = TextNormalizer.normalize(original, steps: groups[groupOfRule[index]].textSteps)
            view.withUnsafeBufferPointer { _ = searchRule(index, in: $0, from: 0, partial: false, scratch: scratch, into: &found) }
            found = found.map { offsets.originalSpan(of: $0) }
        }
        return found
    }
}

extension ViewOffsets {
    /// A match in the view, as the span of the original characters it came from.
    func originalSpan(of match: RawMatch) -> RawMatch {
        let start = originalStart(ofView: match.start)
        return RawMatch(ruleIndex: match.ruleIndex, start: start, end: max(start, originalEnd(ofView: match.end)))
    }
}
