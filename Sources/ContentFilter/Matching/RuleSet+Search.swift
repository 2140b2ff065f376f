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
    ///   - alternatives: the rule's pattern compiled one alternative per part, and the parts to search: the
    ///     others have no match or partial match from `start` on (see ``AlternativeStarts``).
    func searchRule(
        _ ruleIndex: Int,
        in subject: UnsafeBufferPointer<UInt8>,
        from start: Int,
        partial: Bool,
        startsInsideText: Bool = false,
        alternatives: (pattern: PCRE2Pattern, parts: UInt64)? = nil,
        scratch: PCRE2MatchScratch,
        into matches: inout [RawMatch]
    ) -> RuleSearchEnd {
        let pattern = alternatives?.pattern ?? patterns[ruleIndex]
        let parts = alternatives?.parts ?? .max
        var position = start
        while position < subject.count {
            let result = pattern.search(subject, from: position, partial: partial, startsInsideText: startsInsideText, parts: parts, scratch: scratch)
            switch result {
            case .match(let range):
                if verifiers[ruleIndex]?.accepts(subject[range]) ?? true {
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

    /// Searches every rule of `group` over `subject` (the group's view of the text) from `start`: PCRE2's
    /// find-all for each rule, appended to `matches`. The group's prefilter limits PCRE2 to the rules, and
    /// the places, where a match can be.
    ///
    /// - Parameters:
    ///   - ruleStart: where each rule's search starts, if not at `start` for every rule (a stream moves a rule
    ///     past an overflow, or past its own match).
    ///   - failed: called for each search that a PCRE2 error (normally a limit) stopped, with the rule, the
    ///     error and where the search started.
    /// - Returns: in partial mode, the possible match at the end of `subject` that starts earliest, and its
    ///   rule (of those that start there, the first found); `nil` when there is none.
    @discardableResult
    func searchAllRules(
        of group: RuleGroup,
        in subject: UnsafeBufferPointer<UInt8>,
        from start: Int,
        ruleStart: ((Int) -> Int)? = nil,
        partial: Bool,
        startsInsideText: Bool = false,
        subjectOffset: Int = 0,
        scratch: SearchScratch,
        into matches: inout [RawMatch],
        failed: (_ rule: Int, PCRE2Error, _ at: Int) -> Void
    ) -> (rule: Int, start: Int)? {
        func startOf(_ rule: Int) -> Int { ruleStart.map { max(start, $0(rule)) } ?? start }
        /// The possible match that starts earliest of those found so far (partial mode).
        var earliestPartial: (rule: Int, start: Int)?
        func report(_ rule: Int, _ end: RuleSearchEnd) {
            switch end {
            case .complete: break
            case .partial(let start): if start < earliestPartial?.start ?? .max { earliestPartial = (rule, start) }
            case .failed(let error, let at): failed(rule, error, at)
            }
        }
        func searchPlain(_ rule: Int, from offset: Int) {
            let end = searchRule(rule, in: subject, from: offset, partial: partial, startsInsideText: startsInsideText,
                                 scratch: scratch.pcre2, into: &matches)
            if end != .complete { report(rule, end) }
        }
        guard group.prefilter != nil else {
            for rule in group.rules { searchPlain(rule, from: startOf(rule)) }
            return earliestPartial
        }
        // The prefilter, and below the candidates, are read in place at each use: a local copy of either would
        // be retained and released in every stream window.
        var prefilter: RulePrefilter { group.prefilter.unsafelyUnwrapped }
        let hasCaseVariants = withBorrowed(prefilter) {
            $0.findCandidates(in: subject, from: start, partial: partial, everyTailRule: ruleStart != nil, into: scratch.prefilter)
        }
        scratch.slotStartsFound.forgetPasses()
        /// PCRE2's find-all of `rule` from `offset`. In a stream's window it skips the text where the rule's
        /// earlier searches of the stream failed without reaching the end of the text (those positions fail
        /// the same way whatever comes next), and it searches only if a match can start in the rest. In a group
        /// of many such rules, the search waits (see ``SearchScratch/waitingSearches``) until the other rules
        /// have been searched.
        func searchWhole(_ rule: Int, from offset: Int) {
            let searchStart = max(offset, startOf(rule))
            guard searchStart < subject.count else { return }
            guard partial, let slot = prefilter.streamSlot(of: rule) else { return searchPlain(rule, from: searchStart) }
            let known = scratch.cleanSpans[slot].shifted(by: -subjectOffset)
            let from = known.contains(searchStart) ? known.end : searchStart
            if prefilter.streamSlotCount <= Self.mostSlotsSearchedAtOnce {
                searchWaiting(rule, slot: slot, searchStart: searchStart, from: from)
            } else {
                scratch.waitingSearches.append(WaitingSearch(rule: rule, from: from, kind: .whole(slot: slot, searchStart: searchStart)))
            }
        }
        /// The search ``searchWhole(_:from:)`` prepared.
        func searchWaiting(_ rule: Int, slot: Int, searchStart: Int, from: Int) {
            var end = RuleSearchEnd.complete
            var found = false
            // Only the alternatives that can start a match in the rest, when the rule is compiled one by one too, from
            // where the first of them can.
            var selected: (pattern: PCRE2Pattern, parts: UInt64)?
            var searchFrom = from
            if let alternatives = prefilter.alternativeStarts(ofSlot: slot) {
                let starts = alternatives.startingAlternatives(in: subject, from: from, hasCaseVariants: hasCaseVariants)
                selected = (alternatives.pattern, starts.parts)
                searchFrom = max(from, min(starts.earliest, subject.count))
            }
            if from < subject.count, selected.map({ $0.parts != 0 })
                ?? prefilter.mayStartMatch(ofSlot: slot, in: subject, from: from, hasCaseVariants: hasCaseVariants, known: scratch.slotStartsFound)
                ?? patterns[rule].startBytes?.occurs(in: subject, from: from) ?? true {
                let matchCount = matches.count
                end = searchRule(rule, in: subject, from: searchFrom, partial: true, startsInsideText: startsInsideText,
                                 alternatives: selected, scratch: scratch.pcre2, into: &matches)
                found = matches.count > matchCount
            }
            let cleanEnd: Int? = switch end {
            case .complete: found ? nil : subject.count
            case .partial(let partialStart): found ? nil : partialStart
            case .failed: nil
            }
            scratch.cleanSpans[slot] = cleanEnd.map { CleanSpan(start: searchStart, end: $0).shifted(by: subjectOffset) } ?? CleanSpan()
            if end != .complete { report(rule, end) }
        }
        /// A match may have begun within its lead of a literal that has not fully arrived yet: a literal
        /// from `latestLiteral` on, so a match from `latestLiteral` minus how far the lead reaches there. Such a
        /// literal begins in the tail that the scan left as a possible beginning of one (unless caseless
        /// matching could find it in forms the scan does not see).
        func tailStart(lead: Span, longestLiteral: Int, from offset: Int) -> Int {
            let unfinished = hasCaseVariants ? longestLiteral - 1 : min(longestLiteral - 1, scratch.prefilter.longestTailBeginningALiteral)
            let latestLiteral = max(offset, subject.count - unfinished)
            let reach = lead.reach(before: latestLiteral, in: subject, notBefore: offset)
            return max(offset, subject.characterStart(atOrBefore: latestLiteral - reach))
        }
        func searchTail(_ rule: Int, lead: Span, longestLiteral: Int, from offset: Int) {
            searchWhole(rule, from: tailStart(lead: lead, longestLiteral: longestLiteral, from: offset))
        }
        var candidates: UnsafeBufferPointer<RulePrefilter.Candidate> { scratch.prefilter.candidates.elements }
        let plans = prefilter.plans
        /// Confirms the candidates `range` of a literal-driven rule with PCRE2, from where its literal's lead
        /// reaches back before each, and in a stream's window then searches the rule near the end.
        ///
        /// The candidates come in order of where their leads reach back to, so each search finds the rule's
        /// next match as PCRE2's find-all would: a match that starts earlier is in the reach of a candidate
        /// searched before.
        func confirm(_ rule: Int, candidates range: Range<Int>) {
            guard case .literalDriven(let lead, let longestLiteral, _) = plans[rule] else { return }
            var excluded = startOf(rule)
            /// Where the rule's last match found here ends: its next match may start anywhere from here on.
            var matchedUpTo = excluded
            var end = RuleSearchEnd.complete
            candidates: for index in range {
                let candidate = candidates[index]
                /// Where the next search starts when no match starts at or before the candidate.
                let pastCandidate = candidate.position + UTF8Repairer.sequenceLength(ofCharacterStartingWith: subject[candidate.position])
                // Every match from where the lead reaches back up to the candidate: one may end before it.
                while candidate.position >= excluded {
                    var from = max(excluded, candidate.from)
                    // Where the lead holds no start of a match, PCRE2 would find none; it starts where the first may.
                    if from < candidate.position, let earliest = prefilter.earliestStart(
                        of: rule, in: subject, from: from, before: candidate.position + 1, hasCaseVariants: hasCaseVariants) {
                        guard earliest <= candidate.position else {
                            excluded = pastCandidate
                            continue
                        }
                        from = earliest
                    }
                    switch patterns[rule].search(subject, from: from, partial: partial, startsInsideText: startsInsideText,
                                                 latestStart: candidate.position, scratch: scratch.pcre2) {
                    case .match(let range):
                        if verifiers[rule]?.accepts(subject[range]) ?? true {
                            matches.append(RawMatch(ruleIndex: rule, start: range.lowerBound, end: range.upperBound))
                        }
                        excluded = range.upperBound
                        matchedUpTo = range.upperBound
                    case .noMatch:
                        excluded = pastCandidate
                    case .partial(let partialStart):
                        end = .partial(start: partialStart)
                        break candidates
                    case .failure(let error):
                        end = .failed(error, at: from)
                        break candidates
                    }
                }
            }
            if end != .complete { report(rule, end) }
            if case .failed = end { return }
            // Also when a candidate's possible match holds the window: one through a literal with a longer
            // lead may have begun before it, and before candidates that had no match (they rule out matches
            // through their own literal only).
            if partial, RulePrefilter.isTailSearched(plans[rule]) {
                searchTail(rule, lead: lead, longestLiteral: longestLiteral, from: matchedUpTo)
            }
        }
        for rule in prefilter.residual(hasCaseVariants: hasCaseVariants, partial: partial) { searchWhole(rule, from: start) }
        var first = 0
        while first < candidates.count {
            let rule = candidates[first].rule
            var last = first
            while last < candidates.count && candidates[last].rule == rule { last += 1 }
            defer { first = last }
            guard !RulePrefilter.isSearchedWhole(plans[rule], hasCaseVariants: hasCaseVariants, partial: partial) else { continue }
            var excluded = startOf(rule)
            switch plans[rule] {
            case .keyword(let length, _, let boundaryAfter, _):
                // The candidates passed their `\b` checks; a keyword's matches do not overlap each other.
                for index in first..<last where candidates[index].position >= excluded {
                    let candidate = candidates[index]
                    let end = candidate.position + length
                    if partial && boundaryAfter && end == subject.count {
                        // The character after the keyword is still to come.
                        report(rule, .partial(start: candidate.position))
                        break
                    }
                    matches.append(RawMatch(ruleIndex: rule, start: candidate.position, end: end))
                    excluded = end
                }
            case .literalDriven(let lead, let longestLiteral, _):
                // In a stream's window the confirmation waits: its matches start no earlier than its first
                // candidate's search (a later candidate's lead reaches no further back), or than the search
                // near the end that follows it, whose literal's lead may reach back further.
                if partial, let index = (first..<last).first(where: { candidates[$0].position >= excluded }) {
                    let candidate = candidates[index]
                    var from = max(excluded, candidate.from)
                    if RulePrefilter.isTailSearched(plans[rule]) {
                        from = min(from, tailStart(lead: lead, longestLiteral: longestLiteral, from: excluded))
                    }
                    scratch.waitingSearches.append(WaitingSearch(rule: rule, from: from, kind: .candidates(first..<last)))
                } else {
                    confirm(rule, candidates: first..<last)
                }
            case .residual, .excluded:
                break
            }
        }
        guard partial else { return nil }
        for hold in scratch.prefilter.tailHolds.elements {
            if hold.position >= startOf(hold.rule) { report(hold.rule, .partial(start: hold.position)) }
        }
        // The tail-searched rules without candidates (those with some were searched near the end after them).
        func searchTail(_ rule: Int) {
            guard case .literalDriven(let lead, let longestLiteral, _) = plans[rule] else { return }
            searchTail(rule, lead: lead, longestLiteral: longestLiteral, from: start)
        }
        // By table of 64 slots, as bits: a rule that cannot start a match anywhere in the window is clean through
        // its end, with no search. In order of slot, which is the order of rule.
        let cleanSpan = CleanSpan(start: start, end: subject.count).shifted(by: subjectOffset)
        for table in 0..<prefilter.slotTableCount {
            let tailSlots = prefilter.tailSearchedSlots[table]
            guard tailSlots != 0 else { continue }
            let startless = prefilter.slotsWithoutStart(
                inTable: table, in: subject, from: start, hasCaseVariants: hasCaseVariants, known: scratch.slotStartsFound)
            var withCandidates: UInt64 = 0
            for candidate in candidates {
                if let slot = prefilter.streamSlot(of: candidate.rule), slot &>> 6 == table { withCandidates |= 1 &<< UInt64(slot & 63) }
            }
            var clean = tailSlots & ~withCandidates & startless, searched = tailSlots & ~withCandidates & ~startless
            let firstSlot = table &<< 6
            while clean != 0 {
                scratch.cleanSpans[firstSlot | clean.trailingZeroBitCount] = cleanSpan
                clean &= clean &- 1
            }
            while searched != 0 {
                searchTail(prefilter.rule(ofStreamSlot: firstSlot | searched.trailingZeroBitCount))
                searched &= searched &- 1
            }
        }
        // The stream holds back everything from the earliest possible match on, so a search that starts after
        // it cannot change what this window decides: it waits for a later window, which searches it before
        // deciding any of its text. Earlier text first, as each search may move the earliest possible match back.
        guard !scratch.waitingSearches.isEmpty else { return earliestPartial }
        if scratch.waitingSearches.count > 1 { sortWaitingSearches(from: start, to: subject.count, in: scratch) }
        var next = 0
        while next < scratch.waitingSearches.count, scratch.waitingSearches[next].from < earliestPartial?.start ?? .max {
            let search = scratch.waitingSearches[next], waiting = scratch.waitingSearches.count
            switch search.kind {
            case .whole(let slot, let searchStart): searchWaiting(search.rule, slot: slot, searchStart: searchStart, from: search.from)
            case .candidates(let range): confirm(search.rule, candidates: range)
            }
            next += 1
            // A confirmation may add the rule's search near the end: it joins the searches still to run, after
            // those that start where it does.
            for added in waiting..<scratch.waitingSearches.count {
                let from = scratch.waitingSearches[added].from
                var place = added
                while place > next && from < scratch.waitingSearches[place - 1].from { place -= 1 }
                if place < added { scratch.waitingSearches.insert(scratch.waitingSearches.remove(at: added), at: place) }
            }
        }
        scratch.waitingSearches.removeAll(keepingCapacity: true)
        return earliestPartial
    }

    /// Puts a window's waiting searches in order of where they start, keeping the order they were added in
    /// otherwise. They start from `start` on; when there are many, and the window up to `end` is short next to
    /// their number, they are counted into place (those from `end` on, which find nothing, as if from `end`).
    private func sortWaitingSearches(from start: Int, to end: Int, in scratch: SearchScratch) {
        let count = scratch.waitingSearches.count, range = end - start + 1
        guard count >= 16 && range <= count * 8 else { return scratch.waitingSearches.sort { $0.from < $1.from } }
        scratch.waitingSearches.withUnsafeMutableBufferPointer { searches in
            searches.countingSort(keyCount: range, counts: &scratch.waitingCounts, buffer: &scratch.waitingBuffer) { min($0.from, end) - start }
        }
    }

    /// In a group with at most this many rules that a stream searches over whole windows, each is searched at
    /// once: putting their searches in order costs more than the searches it saves.
    private static let mostSlotsSearchedAtOnce = 8

    /// Raw matches of every rule in `text`, before overlaps between rules are resolved.
    ///
    /// The matches of each rule are PCRE2's find-all; ``scan(_:)`` applies ``MatchResolver`` to them.
    public func rawMatches(in text: String) -> ScanResult {
        search(text, resolved: false)
    }

    /// Raw matches in UTF-8 bytes that may be invalid (invalid sequences read as U+FFFD).
    public func rawMatches(inBytes bytes: some Collection<UInt8>) -> ScanResult {
        search(bytes: bytes, resolved: false)
    }

    /// The matches that take effect in `text`: raw matches with `allow` suppression and overlaps resolved
    /// (see ``MatchResolver``). Allow matches themselves are not listed.
    public func scan(_ text: String) -> ScanResult {
        search(text, resolved: true)
    }

    /// ``scan(_:)`` for UTF-8 bytes that may be invalid (invalid sequences read as U+FFFD; offsets are
    /// offsets in `bytes`).
    public func scan(bytes: some Collection<UInt8>) -> ScanResult {
        search(bytes: bytes, resolved: true)
    }

    private func search(_ text: String, resolved: Bool) -> ScanResult {
        var text = text
        return text.withUTF8 { search($0, offsets: OffsetMap(), resolved: resolved) }
    }

    /// Searches valid UTF-8 where it lies; anything else is searched in a repaired copy.
    private func search(bytes: some Collection<UInt8>, resolved: Bool) -> ScanResult {
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
            UTF8Repairer.validPrefixLength(buffer) == buffer.count ? search(buffer, offsets: OffsetMap(), resolved: resolved) : nil
        }
        if let inPlace, let result = inPlace { return result }
        let text = ValidUTF8Text(bytes: bytes)
        return text.bytes.withUnsafeBufferPointer { search($0, offsets: text.offsets, resolved: resolved) }
    }

    /// - Parameter offsets: maps offsets in `subject` (valid UTF-8) to offsets in the caller's input.
    private func search(_ subject: UnsafeBufferPointer<UInt8>, offsets: OffsetMap, resolved: Bool) -> ScanResult {
        let scratch = SearchScratch(context: matchContext)
        var raw: [RawMatch] = []
        var failures: [SearchFailure] = []
        for group in groups {
            /// Searches the group's view of `subject`; `viewOffsets` maps it back (none: the view is the subject).
            func searchView(_ view: UnsafeBufferPointer<UInt8>, viewOffsets: ViewOffsets?) {
                let firstFound = raw.count
                searchAllRules(of: group, in: view, from: 0, partial: false, scratch: scratch, into: &raw) { rule, error, offset in
                    let original = viewOffsets?.originalStart(ofView: offset) ?? offset
                    failures.append(SearchFailure(rule: rules[rule].id, offset: offsets.original(original), error: error))
                }
                if let viewOffsets {
                    for index in firstFound..<raw.count { raw[index] = viewOffsets.originalSpan(of: raw[index]) }
                }
            }
            if group.textSteps.isEmpty {
                searchView(subject, viewOffsets: nil)
            } else {
                let (view, viewOffsets) = TextNormalizer.normalize(subject, steps: group.textSteps)
                view.withUnsafeBufferPointer { searchView($0, viewOffsets: viewOffsets) }
            }
        }
        failures.sort { ($0.offset, $0.rule) < ($1.offset, $1.rule) }
        let selected = resolved ? MatchResolver.resolve(raw, actions: actions, categories: categoryNumbers) : raw.sorted(by: MatchResolver.textOrder)
        let matches = selected.map { match in
            let rule = rules[match.ruleIndex]
            return RuleMatch(
                rule: rule.id, category: rule.category, action: rule.action,
                start: offsets.original(match.start), end: offsets.original(match.end),
                text: String(decoding: UnsafeBufferPointer(rebasing: subject[match.start..<match.end]), as: UTF8.self))
        }
        return ScanResult(matches: matches, failures: failures)
    }
}

/// The reusable state of one search or one stream: PCRE2 match data, the prefilter's buffers, and what a
/// stream's earlier windows showed about its rules.
///
/// Not `Sendable`: one scratch serves one search at a time.
final class SearchScratch {
    let pcre2: PCRE2MatchScratch
    let prefilter = RulePrefilter.Scratch()
    /// For each rule a stream searches over whole windows, by its slot (``RulePrefilter/streamSlot(of:)``): the
    /// text (absolute offsets) where every match attempt of the rule failed before reaching the window's end.
    let cleanSpans: FixedBuffer<CleanSpan>
    /// A stream window's searches of rules over whole windows, in wait until the rest of the window is searched.
    @exclusivity(unchecked) var waitingSearches: [WaitingSearch] = []
    /// Storage for putting ``waitingSearches`` in order.
    @exclusivity(unchecked) var waitingCounts: [Int] = []
    @exclusivity(unchecked) var waitingBuffer: [WaitingSearch] = []
    /// In a stream's window, by table of 64 slots: which rules of whole-window searches may start a match from
    /// where (see ``RulePrefilter/mayStartMatch(ofSlot:in:from:hasCaseVariants:known:)``).
    @exclusivity(unchecked) var slotStartsFound: RulePrefilter.KnownStarts

    /// - Parameter streamSlots: for a stream's scratch, the ``RulePrefilter/streamSlotCount`` of the group it
    ///   serves; none for whole-text searches.
    init(context: PCRE2MatchContext, streamSlots: Int = 0) {
        pcre2 = PCRE2MatchScratch(context: context)
        cleanSpans = FixedBuffer(repeating: CleanSpan(), count: streamSlots)
        slotStartsFound = RulePrefilter.KnownStarts(streamSlots: streamSlots)
    }

    deinit {
        cleanSpans.free()
        slotStartsFound.free()
    }
}

/// A search of a rule in a stream's window that waits until the window's other rules have been searched: its
/// matches and possible matches start at `from` or after.
struct WaitingSearch {
    enum Kind {
        /// A search over the window from `searchStart` (``RulePrefilter/streamSlot(of:)``), of which
        /// `searchStart..<from` is known clean.
        case whole(slot: Int, searchStart: Int)
        /// The confirmation of the rule's candidates, by index in the prefilter's candidates.
        case candidates(Range<Int>)
    }

    var rule: Int
    var from: Int
    var kind: Kind
}

/// Offsets `start..<end` (empty by default); a plain pair, so that an empty or shifted span never traps.
struct CleanSpan {
    var start = 0
    var end = 0

    func contains(_ offset: Int) -> Bool { start <= offset && offset < end }

    func shifted(by distance: Int) -> CleanSpan { CleanSpan(start: start + distance, end: end + distance) }
}

extension UnsafeBufferPointer<UInt8> {
    /// The start of the character that contains `offset` (clamped to the buffer).
    func characterStart(atOrBefore offset: Int) -> Int {
        var position = Swift.max(0, Swift.min(offset, count))
        while position > 0 && position < count && self[position] & 0xC0 == 0x80 { position -= 1 }
        return position
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the byte at `offset` is an ASCII word character (`\w` without UCP); outside the buffer, no.
    @inline(__always)
    func isWordCharacter(at offset: Int) -> Bool {
        guard offset >= 0 && offset < count else { return false }
        let byte = self[offset]
        return byte == UInt8(ascii: "_") || (byte &- 0x30) < 10 || ((byte | 0x20) &- 0x61) < 26
    }
}
