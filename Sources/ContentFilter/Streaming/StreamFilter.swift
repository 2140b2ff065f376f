public import Logging

/// Filters one response as it streams: a synchronous state machine that a chat server feeds the model's
/// output chunk by chunk, sending on what it releases.
///
/// The filter holds text back only while it could still be part of a match (PCRE2 partial matching,
/// `PCRE2_PARTIAL_HARD`), and at most ``FilterConfiguration/maximumHoldBack`` bytes. Its promises,
/// stated on the output with the injected text taken out:
/// - **No leak**: no byte of a blocked or redacted match is ever released.
/// - **Chunking invariance**: the output is the same however the input is cut into chunks (as long as no
///   possible match outgrows the hold-back cap).
/// - **Nothing lost**: every input byte is released, masked, or dropped by a block, and an event accounts
///   for every byte not released. Invalid UTF-8 is released as U+FFFD and reported.
///
/// Injected text (AI disclosure, persona label, masks, refusals, disclaimers) is never scanned.
///
/// Usage:
/// ```swift
/// let filter = StreamFilter(rules: .shipped)
/// var output = FilterOutput()
/// for chunk in modelChunks {
///     filter.feed(chunk, into: &output)
///     send(output.bytes); log(output.events)
///     output.removeAll()
///     if filter.isBlocked { break }          // stop generating: nothing more will be released
/// }
/// filter.finish(into: &output)
/// send(output.bytes)
/// ```
///
/// Not `Sendable`: one filter serves one response on one task at a time. The rule set it uses is shared.
/// (So its stored properties skip Swift's run-time exclusivity checks, `@exclusivity(unchecked)`: they
/// cost more than the scan of a short chunk.)
public final class StreamFilter {
    /// Where the filter is in its life.
    public enum State: Sendable, Hashable {
        /// Taking input.
        case open
        /// A `block` match ended the response; further input is dropped and accounted for at ``finish(into:)``.
        case blocked(rule: String, category: String)
        /// ``finish(into:)`` was called.
        case finished
    }

    public let rules: RuleSet
    public let configuration: FilterConfiguration
    @exclusivity(unchecked)
    public private(set) var state = State.open

    /// Repaired (valid UTF-8) input from ``bufferStart``: already released context, then held-back text.
    @exclusivity(unchecked)
    private var buffer = ByteBuffer()
    /// The repaired offset of `buffer[0]`.
    @exclusivity(unchecked)
    private var bufferStart = 0
    /// Everything before this repaired offset is decided and released (or masked, or blocked).
    @exclusivity(unchecked)
    private var decided = 0
    @exclusivity(unchecked)
    private var repairer = UTF8Repairer()
    /// Per rule index: the repaired offset before which that rule does not search again (after an overflow, a
    /// limit, or an open `allow` match of the rule).
    @exclusivity(unchecked)
    private var resumeOffsets: [Int: Int] = [:]
    /// Matches made up by a fail-closed overflow or limit, waiting to be resolved.
    @exclusivity(unchecked)
    private var forcedMatches: [RawMatch] = []
    /// `allow` matches that reach past `decided`: they suppress matches inside them in the windows still to
    /// come, and their rule searches on from their end.
    @exclusivity(unchecked)
    private var openAllowMatches: [RawMatch] = []
    @exclusivity(unchecked)
    private var language: ResponseLanguage?
    @exclusivity(unchecked)
    private var hasInjectedStart = false
    @exclusivity(unchecked)
    private var disclaimedCategories: [String] = []
    @exclusivity(unchecked)
    private var hasReleasedText = false
    @exclusivity(unchecked)
    private var blockStart = 0
    /// Per rule group: the reusable search state, and the group's view of `buffer` (none when the group
    /// searches the text itself).
    private let scratches: [SearchScratch]
    @exclusivity(unchecked)
    private var views: [StreamView?]
    /// Whether any group searches a view (else the views are skipped).
    private let normalizes: Bool
    /// Reused between scans so that steady-state feeding does not allocate.
    @exclusivity(unchecked)
    private var foundMatches: [RawMatch] = []
    /// The action of each rule under this configuration, by rule index.
    private let actions: [FilterAction]

    /// Where events, counts and timings go besides the output; `nil` when the caller asked for neither.
    private let telemetry: StreamTelemetry?

    /// - Parameters:
    ///   - rules: the compiled rules, shared by any number of streams.
    ///   - configuration: how to treat this response.
    ///   - logger: logs every event (see ``Logging/Logger/log(_:ruleSetVersion:)``); none by default.
    ///   - metrics: records bytes, matches, blocks, held-back bytes and time per chunk; none by default.
    public init(rules: RuleSet, configuration: FilterConfiguration = FilterConfiguration(), logger: Logger? = nil,
                metrics: FilterMetrics? = nil) {
        self.rules = rules
        self.configuration = configuration
        telemetry = logger == nil && metrics == nil ? nil : StreamTelemetry(logger: logger, metrics: metrics, ruleSetVersion: rules.version)
        scratches = rules.groups.map { SearchScratch(context: rules.matchContext, streamSlots: $0.prefilter?.streamSlotCount ?? 0) }
        views = rules.groups.map { $0.textSteps.isEmpty ? nil : StreamView(steps: $0.textSteps) }
        normalizes = views.contains { $0 != nil }
        actions = configuration.categoryActions.isEmpty ? rules.actions : rules.rules.map(configuration.action(for:))
        if configuration.language != .auto { language = configuration.language == .zh ? .zh : .en }
    }

    /// Whether a `block` match ended the response (still `true` once finished).
    @exclusivity(unchecked)
    public private(set) var isBlocked = false

    /// Bytes received but not yet released (nor masked or dropped).
    public var heldBackByteCount: Int {
        guard case .open = state else { return 0 }
        return repairer.originalCount - repairer.offsets.original(decided)
    }

    /// Feeds the next chunk of the response, which may end inside a UTF-8 character, and appends what may
    /// be released now to `output`.
    @inlinable
    public func feed(_ chunk: some Collection<UInt8>, into output: inout FilterOutput) {
        // One path for every kind of collection, compiled for contiguous bytes: a generic path that callers
        // in other modules would run unspecialized is slow and allocates per byte. Inlinable, so that the
        // caller's own collection type reaches its bytes without a generic call.
        if chunk.withContiguousStorageIfAvailable({ feed(bytes: $0, into: &output) }) == nil {
            Array(chunk).withUnsafeBufferPointer { feed(bytes: $0, into: &output) }
        }
    }

    @usableFromInline
    func feed(bytes chunk: UnsafeBufferPointer<UInt8>, into output: inout FilterOutput) {
        guard let telemetry else { return filter(chunk, into: &output) }
        filter(chunk, into: &output, measuredBy: telemetry)
    }

    /// ``filter(_:into:)`` with its events, counts and time recorded. Kept out of the unmeasured path: its mark
    /// holds a clock reading, whose size is known only at run time, so every call would look it up.
    @inline(never)
    private func filter(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout FilterOutput, measuredBy telemetry: StreamTelemetry) {
        let mark = telemetry.begin(output)
        filter(chunk, into: &output)
        telemetry.end(mark, output: output, bytesIn: chunk.count, heldBack: heldBackByteCount, finished: false)
    }

    private func filter(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout FilterOutput) {
        guard case .open = state else {
            if !isFinished { repairer.skip(chunk.count) }
            return
        }
        let repairedBefore = buffer.count
        repairer.repair(chunk, into: &buffer)
        normalize(from: repairedBefore)
        process(final: false, into: &output)
    }

    /// Adds the repaired text from `buffer[start]` on to the views. (Inlined, as are the other small steps of a
    /// chunk: a call costs as much as their usual work, which is to find that there is nothing to do.)
    @inline(__always)
    private func normalize(from start: Int) {
        guard normalizes, start < buffer.count else { return }
        for index in views.indices where views[index] != nil {
            views[index]!.append(UnsafeBufferPointer(rebasing: buffer.bytes[start...]))
        }
    }

    /// Feeds the next chunk of text.
    public func feed(_ chunk: some StringProtocol, into output: inout FilterOutput) {
        feed(chunk.utf8, into: &output)
    }

    /// Feeds a chunk and returns what may be released now (allocates; see ``feed(_:into:)-(Collection<UInt8>,_)``).
    public func feed(_ chunk: some StringProtocol) -> FilterOutput {
        var output = FilterOutput()
        feed(chunk.utf8, into: &output)
        return output
    }

    /// Ends the response: decides the held-back text with complete (not partial) matching, so `\b` and `$`
    /// at the very end resolve, then appends the rest, the triggered disclaimers and an end-position
    /// disclosure to `output`. Further calls do nothing.
    public func finish(into output: inout FilterOutput) {
        if case .finished = state { return }
        let mark = telemetry?.begin(output)
        defer { if let mark { telemetry?.end(mark, output: output, bytesIn: 0, heldBack: 0, finished: true) } }
        if case .open = state {
            let repairedBefore = buffer.count
            repairer.finish(into: &buffer)
            normalize(from: repairedBefore)
            for index in views.indices { views[index]?.finish() }
            process(final: true, into: &output)
        }
        if case .blocked(let rule, let category) = state {
            output.events.append(FilterEvent(type: .blocked, rule: rule, category: category, action: .block,
                                             start: blockStart, end: repairer.originalCount))
        } else if !configuration.dryRun {
            for category in disclaimedCategories {
                let text = configuration.texts.disclaimers[category] ?? configuration.texts.genericDisclaimer
                inject(text.text(for: resolvedLanguage), separatedBefore: true, into: &output)
            }
        }
        if configuration.disclosurePosition == .end && !configuration.dryRun {
            inject(configuration.texts.disclosure.text(for: resolvedLanguage), separatedBefore: true, into: &output)
        }
        state = .finished
        buffer = ByteBuffer()
    }

    /// Ends the response and returns the rest.
    public func finish() -> FilterOutput {
        var output = FilterOutput()
        finish(into: &output)
        return output
    }

    private var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    // MARK: - Scanning

    private var bufferEnd: Int { bufferStart + buffer.count }

    /// Released text is dropped from the buffer in pieces of at least this many bytes: moving the rest of the
    /// buffer after every chunk costs more than keeping them.
    private static let discardBatch = 256

    /// Decides as much of the buffered text as can be decided, releasing it to `output`.
    private func process(final: Bool, into output: inout FilterOutput) {
        guard language != nil || decideLanguage(final: final) else { return }
        if !hasInjectedStart {
            hasInjectedStart = true
            injectStart(into: &output)
        }
        scanning: while case .open = state, decided < bufferEnd {
            let windowEnd = self.windowEnd()
            let isLastWindow = windowEnd == bufferEnd
            switch scanWindow(upTo: windowEnd, partial: !(final && isLastWindow), into: &output) {
            case .released:
                // What the last window held back stays undecided until more input comes: a scan of the same
                // text would find the same possible match.
                if isLastWindow { break scanning }
            case .undecided(let holdingRule):
                // Nothing could be decided: wait for more input, unless the window is full (overflow).
                guard !isLastWindow, let holdingRule else { break scanning }
                resolveOverflow(of: holdingRule, windowEnd: windowEnd, into: &output)
            }
        }
        // A rule moved past an overflow or an open allow match searches from `decided` again once that has caught up.
        if !resumeOffsets.isEmpty && resumeOffsets.values.contains(where: { $0 <= decided }) { resumeOffsets = resumeOffsets.filter { $0.value > decided } }
        discardContext()
    }

    /// The end of the next window to scan: at most `maximumHoldBack` bytes past `decided`, on a
    /// character boundary.
    @inline(__always)
    private func windowEnd() -> Int {
        let cap = max(configuration.maximumHoldBack, 4)
        guard bufferEnd - decided > cap else { return bufferEnd }
        var end = decided + cap
        while end > decided && (buffer[end - bufferStart] & 0xC0) == 0x80 { end -= 1 }
        return end
    }

    /// What a scan of a window did.
    private enum ScanOutcome {
        /// `decided` moved forward.
        case released
        /// Nothing could be decided; the rule whose possible match starts earliest holds the window.
        case undecided(holdingRule: (index: Int, start: Int)?)
    }

    /// Scans `[decided, windowEnd)` with every rule and releases what is decided.
    private func scanWindow(upTo windowEnd: Int, partial: Bool, into output: inout FilterOutput) -> ScanOutcome {
        foundMatches.clear()
        if !forcedMatches.isEmpty { foundMatches.append(contentsOf: forcedMatches) }
        if !openAllowMatches.isEmpty { foundMatches.append(contentsOf: openAllowMatches) }
        // Text a normaliser has not settled (it waits for the next character) cannot be decided yet.
        var searchEnd = windowEnd
        if normalizes {
            for index in views.indices { if let settled = views[index]?.settledOriginal { searchEnd = min(searchEnd, settled) } }
        }
        var frontier = searchEnd
        var undecidedRule: (index: Int, start: Int)?
        let forcedBefore = forcedMatches.count
        func limitReached(rule index: Int, _ error: PCRE2Error, at start: Int) {
            handleLimit(error, rule: index, at: start, windowEnd: windowEnd, into: &output)
        }
        if rules.groups.count == 1 && !normalizes && resumeOffsets.isEmpty {
            // The usual stream, in short: one group, which searches the text itself, every rule from `decided`.
            if let earliest = searchText(of: 0, upTo: searchEnd, partial: partial, ruleStart: nil, failed: limitReached) {
                frontier = earliest.start
                undecidedRule = (earliest.rule, earliest.start)
            }
        } else {
            for group in rules.groups.indices {
                let earliest = normalizes && views[group] != nil
                    ? searchView(of: group, upTo: searchEnd, partial: partial, failed: limitReached)
                    : searchText(of: group, upTo: searchEnd, partial: partial, ruleStart: ruleStartsAfterResumes(), failed: limitReached)
                if let earliest, earliest.start < frontier {
                    frontier = earliest.start
                    undecidedRule = (earliest.rule, earliest.start)
                }
            }
        }
        // A search that failed closed in this window is a match in it.
        if forcedMatches.count > forcedBefore { foundMatches.append(contentsOf: forcedMatches[forcedBefore...]) }
        // The usual window: no match, so nothing to resolve or to keep open.
        if foundMatches.isEmpty {
            guard frontier > decided else { return .undecided(holdingRule: undecidedRule) }
            release(upTo: frontier, matches: nil, into: &output)
            return .released
        }
        // A known match that crosses the frontier may still lose to one that starts after it: wait for it. An
        // `allow` match never loses, and takes no text: it holds nothing back.
        var moved = true
        while moved {
            moved = false
            for match in foundMatches where match.start < frontier && match.end > frontier && actions[match.ruleIndex] != .allow {
                frontier = match.start
                moved = true
            }
        }
        guard frontier > decided else { return .undecided(holdingRule: undecidedRule) }
        // Allow matches past the frontier stay open for the windows they reach; the other matches past it are
        // found again by a later window's search.
        for match in foundMatches where match.end > frontier && actions[match.ruleIndex] == .allow && !openAllowMatches.contains(match) {
            openAllowMatches.append(match)
            resumeOffsets[match.ruleIndex] = max(resumeOffsets[match.ruleIndex] ?? 0, match.end)
        }
        foundMatches.removeAll { $0.end > frontier && actions[$0.ruleIndex] != .allow }
        // (No array at all when there is no match: even an empty one costs a release in every window.)
        let resolved = foundMatches.isEmpty ? nil : MatchResolver.resolve(foundMatches, actions: actions, categories: rules.categoryNumbers)
        release(upTo: frontier, matches: resolved, into: &output)
        if !forcedMatches.isEmpty { forcedMatches.removeAll { $0.end <= decided } }
        if !openAllowMatches.isEmpty { openAllowMatches.removeAll { $0.end <= decided } }
        return .released
    }

    /// Searches the rules of group `group`, which search the text itself, over `[decided, end)`, with the context
    /// before it, and appends the matches to `foundMatches`; `failed` gets each search that a PCRE2 error stopped.
    /// Returns the possible match at the end that starts earliest (see ``RuleSet/searchAllRules(of:in:from:ruleStart:partial:startsInsideText:subjectOffset:scratch:into:failed:)``).
    /// Offsets are absolute repaired offsets. (Inlined: the call and its closures cost as much as a quiet window's
    /// search.)
    ///
    /// - Parameter ruleStart: where each rule's search starts, in offsets of `buffer`, if not at `decided` for all
    ///   (``ruleStartsAfterResumes()``).
    @inline(__always)
    private func searchText(of group: Int, upTo end: Int, partial: Bool, ruleStart: ((Int) -> Int)?,
                            failed: (_ rule: Int, PCRE2Error, _ at: Int) -> Void) -> (rule: Int, start: Int)? {
        let firstFound = foundMatches.count
        let earliest = searchRules(
            ofGroup: group, in: UnsafeBufferPointer(rebasing: buffer.bytes[..<(end - bufferStart)]), from: decided - bufferStart,
            ruleStart: ruleStart, partial: partial, subjectOffset: bufferStart
        ) { index, error, at in failed(index, error, at + bufferStart) }
        for index in firstFound..<foundMatches.count { foundMatches[index] = foundMatches[index].shifted(by: bufferStart) }
        return earliest.map { ($0.rule, $0.start + bufferStart) }
    }

    /// Where each rule's search of the text starts, in offsets of `buffer`: at `decided`, apart from the rules moved
    /// past an overflow or an open allow match (`nil` when there are none).
    private func ruleStartsAfterResumes() -> ((Int) -> Int)? {
        resumeOffsets.isEmpty ? nil : { [decided, bufferStart, resumeOffsets] in max(decided, resumeOffsets[$0] ?? 0) - bufferStart }
    }

    /// ``searchText(of:upTo:partial:ruleStart:failed:)`` for a group that searches its view of the text: the rules search the
    /// view, and what they find is mapped back to the text it came from.
    private func searchView(of group: Int, upTo end: Int, partial: Bool,
                            failed: (_ rule: Int, PCRE2Error, _ at: Int) -> Void) -> (rule: Int, start: Int)? {
        let firstFound = foundMatches.count
        // (The view is read in place: a copy would retain each of its arrays once per window.)
        let viewStart = views[group]!.start
        let ruleStart: ((Int) -> Int)? = resumeOffsets.isEmpty ? nil : { [decided, resumeOffsets, offsets = views[group]!.offsets] in
            offsets.view(ofOriginal: max(decided, resumeOffsets[$0] ?? 0)) - viewStart
        }
        let earliest = views[group]!.bytes.withUnsafeBufferPointer { whole in
            let subject = UnsafeBufferPointer(rebasing: whole[..<(views[group]!.viewOffset(ofOriginal: end) - viewStart)])
            return searchRules(
                ofGroup: group, in: subject, from: views[group]!.viewOffset(ofOriginal: decided) - viewStart, ruleStart: ruleStart,
                partial: partial, subjectOffset: viewStart
            ) { index, error, at in failed(index, error, views[group]!.offsets.originalStart(ofView: at + viewStart)) }
        }
        for index in firstFound..<foundMatches.count {
            foundMatches[index] = views[group]!.offsets.originalSpan(of: foundMatches[index].shifted(by: viewStart))
        }
        return earliest.map { ($0.rule, views[group]!.offsets.originalStart(ofView: $0.start + viewStart)) }
    }

    /// The partial search of group `group`'s rules over `subject` (the text or the group's view, from offset
    /// `subjectOffset` on), appending to `foundMatches` in the subject's offsets. Returns the earliest possible
    /// match at the subject's end, in its offsets.
    private func searchRules(ofGroup group: Int, in subject: UnsafeBufferPointer<UInt8>, from start: Int, ruleStart: ((Int) -> Int)?,
                             partial: Bool, subjectOffset: Int, failed: (Int, PCRE2Error, Int) -> Void) -> (rule: Int, start: Int)? {
        // Both are held by immutable arrays of this stream's: borrowed, they are not retained per window.
        withBorrowed(rules.groups[group]) { ruleGroup in
            withBorrowed(scratches[group]) { scratch in
                rules.searchAllRules(
                    of: ruleGroup, in: subject, from: start, ruleStart: ruleStart, partial: partial, startsInsideText: subjectOffset > 0,
                    subjectOffset: subjectOffset, scratch: scratch, into: &foundMatches, failed: failed)
            }
        }
    }

    /// A full window decided nothing: apply the overflow policy of the rule whose possible match holds it.
    private func resolveOverflow(of holdingRule: (index: Int, start: Int), windowEnd: Int, into output: inout FilterOutput) {
        let (index, start) = holdingRule
        let policy = overflowPolicy(ofRule: index)
        output.events.append(undecidedEvent(.overflow, rule: index, start: start, end: windowEnd, policy: policy))
        switch policy {
        case .failClosed:
            forcedMatches.append(RawMatch(ruleIndex: index, start: start, end: windowEnd))
            resumeOffsets[index] = windowEnd
        case .failOpen:
            resumeOffsets[index] = start + UTF8Repairer.sequenceLength(ofCharacterStartingWith: buffer[start - bufferStart])
        }
    }

    /// A search hit a PCRE2 limit: fail closed treats the rest of the window as the rule's match, fail open
    /// skips the rule over the window.
    private func handleLimit(_ error: PCRE2Error, rule index: Int, at start: Int, windowEnd: Int, into output: inout FilterOutput) {
        let policy = overflowPolicy(ofRule: index)
        output.events.append(undecidedEvent(.limit, rule: index, start: start, end: windowEnd, policy: policy))
        if policy == .failClosed { forcedMatches.append(RawMatch(ruleIndex: index, start: start, end: windowEnd)) }
        resumeOffsets[index] = windowEnd
    }

    /// The category's policy, but always fail open for an `allow` rule: failing closed would make up an exception
    /// that hides the category's matches, where failing open leaves them to apply.
    private func overflowPolicy(ofRule index: Int) -> OverflowPolicy {
        actions[index] == .allow ? .failOpen : configuration.overflowPolicy(for: rules.rules[index].category)
    }

    /// An `overflow` or `limit` event for rule `index` over `[start, end)` (repaired offsets).
    private func undecidedEvent(_ type: FilterEvent.Kind, rule index: Int, start: Int, end: Int, policy: OverflowPolicy) -> FilterEvent {
        let rule = rules.rules[index]
        return FilterEvent(
            type: type, rule: rule.id, category: rule.category, action: actions[index],
            start: repairer.offsets.original(start), end: repairer.offsets.original(end), heldBack: heldBackByteCount, policy: policy)
    }

    // MARK: - Releasing

    /// Applies the resolved matches (if any) that lie before `frontier` and releases the text up to it.
    private func release(upTo frontier: Int, matches: [RawMatch]?, into output: inout FilterOutput) {
        var cursor = decided
        if let matches {
            let heldBack = heldBackByteCount
            for match in matches where match.start >= decided {
                reportInvalidSpans(startingBefore: match.start, into: &output)
                let rule = rules.rules[match.ruleIndex]
                let action = actions[match.ruleIndex]
                let text = configuration.eventsIncludeText
                    ? String(decoding: buffer.bytes[(match.start - bufferStart)..<(match.end - bufferStart)], as: UTF8.self) : nil
                output.events.append(FilterEvent(
                    type: .match, rule: rule.id, category: rule.category, action: action,
                    start: repairer.offsets.original(match.start), end: repairer.offsets.original(match.end), heldBack: heldBack, text: text))
                guard !configuration.dryRun else { continue }
                switch action {
                case .block:
                    releaseText(from: cursor, to: match.start, into: &output)
                    inject(configuration.texts.refusals[rule.category, default: configuration.texts.refusal].text(for: resolvedLanguage),
                           separatedBefore: hasReleasedText, into: &output)
                    blockStart = repairer.offsets.original(match.start)
                    state = .blocked(rule: rule.id, category: rule.category)
                    isBlocked = true
                    decided = frontier
                    return
                case .redact:
                    releaseText(from: cursor, to: match.start, into: &output)
                    output.append(configuration.texts.mask.text(for: resolvedLanguage))
                    cursor = match.end
                case .disclaim:
                    if !disclaimedCategories.contains(rule.category) { disclaimedCategories.append(rule.category) }
                case .flag, .allow:
                    break
                }
            }
        }
        releaseText(from: cursor, to: frontier, into: &output)
        reportInvalidSpans(startingBefore: frontier, into: &output)
        decided = frontier
    }

    /// Reports the invalid sequences replaced by U+FFFD that start before the repaired offset `end`.
    ///
    /// Each is reported with its text, in text order with the matches, so that the events do not depend on
    /// where the chunks were cut; those from the start of a block on are not reported (the block accounts for them).
    @inline(__always)
    private func reportInvalidSpans(startingBefore end: Int, into output: inout FilterOutput) {
        guard repairer.hasInvalidSpans else { return }
        repairer.takeInvalidSpans(startingBefore: repairer.offsets.original(end)) { span in
            output.events.append(FilterEvent(type: .invalidUTF8, start: span.lowerBound, end: span.upperBound))
        }
    }

    private func releaseText(from start: Int, to end: Int, into output: inout FilterOutput) {
        guard start < end else { return }
        output.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer.bytes[(start - bufferStart)..<(end - bufferStart)]))
        hasReleasedText = true
    }

    /// Drops released text that no lookbehind can reach any more, once there are ``discardBatch`` bytes of it
    /// (more context changes no search: it is the text as it was).
    @inline(__always)
    private func discardContext() {
        let keepFrom = max(bufferStart, decided - rules.maximumLookbehindBytes)
        if keepFrom - bufferStart >= Self.discardBatch { discardContext(before: keepFrom) }  // (it only moves back from there)
    }

    /// Drops the text before `keepFrom`, or before the start of the character it falls in, if that leaves
    /// ``discardBatch`` bytes to drop.
    private func discardContext(before keepFrom: Int) {
        var keepFrom = keepFrom
        while keepFrom > bufferStart && (buffer[keepFrom - bufferStart] & 0xC0) == 0x80 { keepFrom -= 1 }
        guard keepFrom - bufferStart >= Self.discardBatch else { return }
        buffer.removeFirst(keepFrom - bufferStart)
        bufferStart = keepFrom
        repairer.discardOffsets(before: keepFrom)
        if normalizes { for index in views.indices { views[index]?.discard(beforeOriginal: keepFrom) } }
    }

    // MARK: - Injected text

    private var resolvedLanguage: ResponseLanguage { language ?? configuration.fallbackLanguage }

    /// Decides the language of injected text for `auto` from the first characters of the response.
    /// Returns `false` while the window is still filling.
    private func decideLanguage(final: Bool) -> Bool {
        var characters = 0, han = 0, latin = 0
        let text = buffer.bytes
        var index = 0
        while index < text.count && characters < FilterConfiguration.languageWindow {
            let length = UTF8Repairer.sequenceLength(ofCharacterStartingWith: text[index])
            let scalar = text.scalar(at: index, length: length)
            if (0x3400...0x9FFF).contains(scalar) || (0xF900...0xFAFF).contains(scalar) || (0x20000...0x3FFFF).contains(scalar) {
                han += 1
            } else if (0x41...0x5A).contains(scalar) || (0x61...0x7A).contains(scalar) {
                latin += 1
            }
            characters += 1
            index += length
        }
        guard final || characters >= FilterConfiguration.languageWindow else { return false }
        // A Han character carries about as much as a short Latin word.
        language = han == 0 && latin == 0 ? configuration.fallbackLanguage : (han * 4 >= latin ? .zh : .en)
        return true
    }

    private func injectStart(into output: inout FilterOutput) {
        guard !configuration.dryRun else { return }
        if let persona = configuration.persona {
            let label = configuration.texts.personaLabel.text(for: resolvedLanguage).replacing("{persona}", with: persona)
            inject(label + "\n\n", separatedBefore: false, into: &output)
        }
        if configuration.disclosurePosition == .start {
            inject(configuration.texts.disclosure.text(for: resolvedLanguage) + "\n\n", separatedBefore: false, into: &output)
        }
    }

    private func inject(_ text: String, separatedBefore: Bool, into output: inout FilterOutput) {
        guard !text.isEmpty else { return }
        if separatedBefore { output.append("\n\n") }
        output.append(text)
    }
}
