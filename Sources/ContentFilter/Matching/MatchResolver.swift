/// Decides which raw matches take effect when matches of different rules overlap.
///
/// 1. An `allow` match suppresses every match of its own category that lies entirely inside it (`大麻烦` is
///    not `大麻`). Allow rules are scoped to their category so that an exception written for one category
///    (a refusal that mentions sexual content, a statement of the law) cannot hide another category's match
///    that happens to share the sentence.
/// 2. The remaining matches are taken strongest action first (`block` > `redact` > `disclaim` > `flag`),
///    then leftmost, then longest, then in rule order; a match that overlaps one already taken is dropped.
///
/// The outcome for a match depends only on the matches it overlaps directly or through a chain, which is
/// what lets a stream decide the start of a text before its end has arrived.
enum MatchResolver {
    /// The matches that take effect, in text order; `allow` matches are not included.
    ///
    /// - Parameters:
    ///   - actions: the action of each rule, by rule index.
    ///   - categories: the category of each rule, by rule index (any value that tells categories apart).
    static func resolve(_ matches: [RawMatch], actions: [FilterAction], categories: [Int]) -> [RawMatch] {
        let allows = matches.filter { actions[$0.ruleIndex] == .allow }
        let candidates = matches
            .filter { match in
                actions[match.ruleIndex] != .allow && !allows.contains { allow in
                    categories[allow.ruleIndex] == categories[match.ruleIndex] && allow.start <= match.start && match.end <= allow.end
                }
            }
            .sorted { a, b in
                (actions[a.ruleIndex].precedence, a.start, b.end, a.ruleIndex) < (actions[b.ruleIndex].precedence, b.start, a.end, b.ruleIndex)
            }
        // Taken matches, kept sorted by start; they never overlap each other.
        var taken: [RawMatch] = []
        for match in candidates {
            let index = taken.partitioningIndex { $0.start >= match.end }
            if index > 0 && taken[index - 1].end > match.start { continue }
            taken.insert(match, at: index)
        }
        return taken
    }

    /// Text order: by start, then by rule order, then by end.
    static func textOrder(_ a: RawMatch, _ b: RawMatch) -> Bool {
        (a.start, a.ruleIndex, a.end) < (b.start, b.ruleIndex, b.end)
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate that is false and then true
    /// along the array (binary search).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
