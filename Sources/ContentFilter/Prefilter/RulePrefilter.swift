/// Decides which rules PCRE2 must run, and where, from the literals their matches must contain.
///
/// Built once per ``RuleGroup`` (the rules that search one view of the text). A rule whose every match contains one of a few literals of 3 bytes or more
/// ("literal-driven") is searched only where its literals occur; the others ("residual") are searched by
/// PCRE2 alone. Either way the matches are exactly PCRE2's find-all.
final class RulePrefilter: Sendable {
    /// How the prefilter treats one rule.
    enum Plan: Sendable, Hashable {
        /// Searched by PCRE2 over the whole subject.
        case residual
        /// Searched only near occurrences of its literals; `lead` bounds how far a match can start before
        /// its literal.
        case literalDriven(lead: Span, longestLiteral: Int, foldsOutsideASCII: Bool)
        /// A single literal (see ``LiteralExtractor/Keyword``): its occurrences that pass the `\b` checks
        /// are its matches.
        case keyword(length: Int, boundaryBefore: Bool, boundaryAfter: Bool, foldsOutsideASCII: Bool)
        /// Not in this prefilter's group: searched in another view of the text.
        case excluded
    }

    let plans: FixedBuffer<Plan>
    let scanner: LiteralScanner?
    /// The rules that require each literal of the scanner.
    private let rulesOfLiteral: FixedRows<Int>
    /// By literal, alongside ``rulesOfLiteral``: where the literal stands in a match of that rule found through it.
    private let placesInRules: FixedRows<LiteralPlace>
    /// The confirmation slots (see ``confirmSlots``) each literal of the scanner confirms.
    private let confirmationsOfLiteral: FixedRows<Int32>
    /// By rule index: for a rule whose literals start its matches and that also requires another set of
    /// literals no less selective (``RequiredLiterals/confirming``), its slot; else -1. A candidate is dropped
    /// when that confirming set does not occur close enough after it (within ``confirmationWindows``) or, in
    /// a whole-text scan of longer matches, anywhere after it.
    private let confirmSlots: [Int32]
    /// By confirmation slot: whether caseless matching could find the confirming set in forms the scanner does
    /// not see (then the slot confirms nothing when the text holds such a form).
    private let confirmationFoldsOutsideASCII: [Bool]
    /// By confirmation slot: the confirming set, when every match spans few enough bytes
    /// (``maximumConfirmationWindow``) that a candidate is checked for it there, in streams too.
    private let confirmationWindows: [ConfirmationWindow?]
    /// By confirmation slot: whether the scanner finds the confirming set (see ``Scratch/lastConfirmations``).
    private let confirmsByScanner: [Bool]
    /// The rules PCRE2 searches over the whole subject (see ``isSearchedWhole(_:hasCaseVariants:partial:)``):
    /// rows for a whole text, one with case variants, a stream's window, one with case variants.
    private let residualRules: FixedRows<Int>
    /// The prefixes of the literals of rules whose matches start at their literal (keywords, and a lead of
    /// 0), each with one such rule: in a stream's window, where such a match may be beginning.
    private let heldPrefixes: TailPrefixTable
    /// For rules whose matches can start before their literal, by rule index: what starts every match (literals
    /// of any length, or the first bytes of characters), when the extractor knows it.
    private let leadingStarts: [StartTable?]
    /// What starts the matches of the rules in the stream slots, one part per slot, 64 slots to a table (slot `s` is
    /// part `s % 64` of table `s / 64`): one pass of a table tells which of its slots may start a match in a
    /// window's rest. ``knownSlotStarts`` has, by table, the bits of the slots whose starts are known.
    private let slotStarts: FixedBuffer<StartTable>
    private let knownSlotStarts: FixedBuffer<UInt64>
    /// By rule index: the rule's slot among the rules a stream searches over whole windows (residual, an
    /// unbounded lead, or tail-searched), or -1.
    private let streamSlots: FixedBuffer<Int32>
    let streamSlotCount: Int
    /// By stream slot: the rule in it.
    private let rulesOfStreamSlots: FixedBuffer<Int>
    /// By table of ``slotStarts``, as bits: the slots of the literal-driven rules whose matches can start before
    /// their literal. In a stream's window they are also searched near its end, where the literal may not have
    /// arrived yet (see ``isTailSearched(_:)``).
    let tailSearchedSlots: FixedBuffer<UInt64>
    /// By stream slot: the rule's alternatives compiled one by one with what starts each, when that can leave
    /// some out of a window's search.
    private let alternativeStarts: [AlternativeStarts?]

    /// - Parameter patterns: by rule index, each rule's combined pattern and the alternatives it joins, whether
    ///   it compiles caseless and with Unicode properties, and whether a check-digit verifier filters its
    ///   matches; `nil` for a rule of another group.
    init(patterns: [(pattern: String, alternatives: [String], caseless: Bool, ucp: Bool, hasVerifier: Bool)?]) {
        var literalIndex: [Literal: Int] = [:]
        var literals: [Literal] = []
        var rulesOfLiteral: [[Int]] = []
        var placesInRules: [[LiteralPlace]] = []
        var confirmationsOfLiteral: [[Int32]] = []
        var plans: [Plan] = []
        var leadingStarts: [StartTable?] = []
        var leadingSets: [LeadingSet?] = []
        var confirmSlots = [Int32](repeating: -1, count: patterns.count)
        var confirmationFoldsOutsideASCII: [Bool] = []
        var confirmationWindows: [ConfirmationWindow?] = []
        var confirmsByScanner: [Bool] = []
        // By rule index: the leading sets of the alternatives of a rule of several (see ``AlternativeStarts``).
        var alternativeLeading = [[LeadingSet?]?](repeating: nil, count: patterns.count)
        // By rule index: every match starts at an ASCII word boundary (`\b` without Unicode properties).
        let startsAtWordBoundary = patterns.map { entry in entry.map { !$0.ucp && LiteralExtractor.startsAtWordBoundary($0.pattern) } ?? false }
        func index(of literal: Literal) -> Int {
            if let index = literalIndex[literal] { return index }
            literals.append(literal)
            rulesOfLiteral.append([])
            placesInRules.append([])
            confirmationsOfLiteral.append([])
            literalIndex[literal] = literals.count - 1
            return literals.count - 1
        }
        func add(_ literal: Literal, for rule: Int, lead: Span, isAfterNonWord: Bool = false) {
            let index = index(of: literal)
            rulesOfLiteral[index].append(rule)
            placesInRules[index].append(LiteralPlace(lead: lead, isAfterNonWord: isAfterNonWord))
        }
        for (rule, entry) in patterns.enumerated() {
            leadingStarts.append(nil)
            leadingSets.append(nil)
            guard let entry else {
                plans.append(.excluded)
                continue
            }
            // A keyword's occurrences are its matches only as PCRE2 finds them without Unicode properties.
            if !entry.ucp && !entry.hasVerifier, let keyword = LiteralExtractor.keyword(entry.pattern, caseless: entry.caseless), keyword.literal.bytes.count >= 3 {
                add(keyword.literal, for: rule, lead: .exactly(0))
                plans.append(.keyword(length: keyword.literal.bytes.count, boundaryBefore: keyword.boundaryBefore,
                                      boundaryAfter: keyword.boundaryAfter, foldsOutsideASCII: keyword.literal.hasNonASCIICaseVariants))
                continue
            }
            guard let required = LiteralExtractor.requiredLiterals(of: entry.pattern, caseless: entry.caseless, ucp: entry.ucp),
                  required.shortestLength >= 3
            else {
                plans.append(.residual)
                continue
            }
            for (index, literal) in required.literals.enumerated() {
                add(literal, for: rule, lead: required.literalLeads[index], isAfterNonWord: required.literalsAfterNonWord[index])
            }
            if entry.alternatives.count > 1 && required.alternativeLeading.count == entry.alternatives.count {
                alternativeLeading[rule] = required.alternativeLeading
            }
            if let confirming = required.confirming {
                confirmSlots[rule] = Int32(confirmationFoldsOutsideASCII.count)
                confirmationFoldsOutsideASCII.append(confirming.contains(where: \.hasNonASCIICaseVariants))
                let window = required.confirmingWithin.flatMap { within in
                    within <= Self.maximumConfirmationWindow ? ConfirmationWindow(literals: confirming, within: within) : nil
                }
                confirmationWindows.append(window)
                // The scanner also finds a rarer set, whose absence from the rest of a text rules out candidates
                // before any look at the text after each; a set no rarer only costs hits when a window can do.
                confirmsByScanner.append(window == nil || RequiredLiterals(literals: confirming, lead: .exactly(0)).isRarer(than: required))
                if confirmsByScanner.last! {
                    for literal in confirming { confirmationsOfLiteral[index(of: literal)].append(confirmSlots[rule]) }
                }
            }
            if required.maximumLead != 0 {
                leadingStarts[rule] = required.leading.flatMap { StartTable(leading: [$0]) }
                leadingSets[rule] = leadingStarts[rule] == nil ? nil : required.leading
            }
            plans.append(.literalDriven(
                lead: required.lead, longestLiteral: required.literals.map(\.bytes.count).max()!,
                foldsOutsideASCII: required.literals.contains(where: \.hasNonASCIICaseVariants)))
        }
        self.plans = FixedBuffer(plans)
        self.confirmationsOfLiteral = FixedRows(confirmationsOfLiteral)
        self.confirmSlots = confirmSlots
        self.confirmationFoldsOutsideASCII = confirmationFoldsOutsideASCII
        self.confirmationWindows = confirmationWindows
        self.confirmsByScanner = confirmsByScanner
        self.leadingStarts = leadingStarts
        self.rulesOfLiteral = FixedRows(rulesOfLiteral)
        self.placesInRules = FixedRows(placesInRules)
        scanner = literals.isEmpty ? nil : LiteralScanner(literals: literals)
        residualRules = FixedRows([false, true].flatMap { partial in
            [false, true].map { hasCaseVariants in
                plans.indices.filter { Self.isSearchedWhole(plans[$0], hasCaseVariants: hasCaseVariants, partial: partial) }
            }
        })
        // A slot is the rule's place in this list.
        let slotRules = plans.indices.filter {
            Self.isSearchedWhole(plans[$0], hasCaseVariants: false, partial: true) || Self.isTailSearched(plans[$0])
        }
        var streamSlots = [Int32](repeating: -1, count: plans.count)
        for (slot, rule) in slotRules.enumerated() { streamSlots[rule] = Int32(slot) }
        self.streamSlots = FixedBuffer(streamSlots)
        streamSlotCount = slotRules.count
        rulesOfStreamSlots = FixedBuffer(slotRules)
        alternativeStarts = slotRules.map { rule in
            guard let entry = patterns[rule], let leading = alternativeLeading[rule] else { return nil }
            return AlternativeStarts(
                alternatives: entry.alternatives, leading: leading, options: PCRE2CompileOptions(caseless: entry.caseless, ucp: entry.ucp))
        }
        let slotLeading = slotRules.map { leadingSets[$0] }
        let tables = stride(from: 0, to: slotRules.count, by: 64).map { $0..<min($0 + 64, slotRules.count) }
        // (A table of 1 to 64 parts always builds.)
        slotStarts = FixedBuffer(tables.map { StartTable(leading: Array(slotLeading[$0]))! })
        knownSlotStarts = FixedBuffer(tables.map { slots in
            slots.reduce(0) { bits, slot in slotLeading[slot] == nil ? bits : bits | 1 << UInt64(slot % 64) }
        })
        tailSearchedSlots = FixedBuffer(tables.map { slots in
            slots.reduce(0) { bits, slot in Self.isTailSearched(plans[slotRules[slot]]) ? bits | 1 << UInt64(slot % 64) : bits }
        })
        heldPrefixes = TailPrefixTable(literals: literals.indices.compactMap { index in
            let rules = rulesOfLiteral[index].filter { Self.startsAtLiteral(plans[$0]) }
            return rules.first.map { rule in
                (literals[index].bytes, Int32(rule), rules.allSatisfy { startsAtWordBoundary[$0] })
            }
        })
    }

    deinit {
        plans.free()
        streamSlots.free()
        rulesOfStreamSlots.free()
        residualRules.free()
        slotStarts.free()
        knownSlotStarts.free()
        tailSearchedSlots.free()
        heldPrefixes.free()
        rulesOfLiteral.free()
        placesInRules.free()
        confirmationsOfLiteral.free()
    }

    /// Where a literal stands in the matches of a rule found through it (``RequiredLiterals``).
    struct LiteralPlace {
        /// How far before the literal a match can start.
        var lead: Span
        /// The byte before the literal is never an ASCII word character.
        var isAfterNonWord: Bool
    }

    /// The confirming set of a rule whose matches span at most `within` bytes from their literal.
    struct ConfirmationWindow {
        let literals: [Literal]
        let within: Int
        /// The ``StartTable/bigramBucket(_:_:)`` of each literal's first two bytes, as 1,024 bits.
        private let firstPairs: [UInt64]
        /// The literals' first bytes, ASCII letters folded: only where one is are the first two bytes looked at.
        private let firstBytes: ByteSet

        init(literals: [Literal], within: Int) {
            self.literals = literals
            self.within = within
            firstBytes = ByteSet(literals.map { Literal.fold($0.bytes[0]) })
            var firstPairs = [UInt64](repeating: 0, count: StartTable.bucketCount / 64)
            for literal in literals {
                let bucket = StartTable.bigramBucket(literal.bytes[0], literal.bytes[1])
                firstPairs[bucket >> 6] |= 1 << UInt64(bucket & 63)
            }
            self.firstPairs = firstPairs
        }

        /// Whether a match can start at `position`: one of the literals occurs within reach, or, in a stream's
        /// window, that reach runs past its end.
        func mayConfirm(at position: Int, in subject: UnsafeBufferPointer<UInt8>, partial: Bool) -> Bool {
            let end = position + within
            if partial && end > subject.count { return true }
            let limit = min(end, subject.count)
            // Each literal has 3 bytes or more; only where its first byte, then its first two, are is it compared.
            var start = position
            while start + 3 <= limit {
                if !firstBytes.contains(Literal.fold(subject[start])) {
                    start += 1
                    continue
                }
                let bucket = StartTable.bigramBucket(subject[start], subject[start + 1])
                if firstPairs[bucket >> 6] & 1 << UInt64(bucket & 63) != 0,
                   literals.contains(where: { start + $0.bytes.count <= limit && $0.begins(in: subject, at: start) }) {
                    return true
                }
                start += 1
            }
            return false
        }
    }

    /// Matches longer than this are not checked for their confirming set near each candidate: PCRE2 would look at
    /// no more text than that check.
    static let maximumConfirmationWindow = 256

    /// Reusable buffers of one search: the literal hits, the (rule, position) candidates, and the places
    /// where a stream's window ends inside a possible match.
    final class Scratch {
        @exclusivity(unchecked) var hits = GrowableBuffer<LiteralScanner.Hit>()
        @exclusivity(unchecked) var candidates = GrowableBuffer<Candidate>()
        /// Storage for counting many candidates into order (see ``sortCandidates(_:)``).
        @exclusivity(unchecked) var sortCounts: [Int] = []
        @exclusivity(unchecked) var sortBuffer: [Candidate] = []
        @exclusivity(unchecked) var tailHolds = GrowableBuffer<Candidate>()
        /// By confirmation slot: the last position where the confirming set occurs (whole-text scans).
        @exclusivity(unchecked) var lastConfirmations: [Int] = []
        /// No tail of the subject longer than this may be the beginning of a literal (see ``LiteralScanner/Summary``).
        @exclusivity(unchecked) var longestTailBeginningALiteral = 0
    }

    /// A place where rule `rule` may match: a match found through the literal at `position` starts there or,
    /// with a lead, as early as `from`.
    struct Candidate: Comparable {
        var rule: Int
        var position: Int
        /// The first character that the literal's lead in the rule reaches back to (not before the search's start).
        var from: Int

        init(rule: Int, position: Int, from: Int? = nil) {
            self.rule = rule
            self.position = position
            self.from = from ?? position
        }

        /// By rule, then by where the lead reaches back to.
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rule, a.from, a.position) < (b.rule, b.from, b.position) }
    }

    /// Finds the places where literal-driven rules may match in `subject` from `start`, sorted by rule and
    /// where their leads reach back to. Keyword occurrences that fail their `\b` checks are left out.
    ///
    /// In partial mode it also finds, in ``Scratch/tailHolds``, the positions where the subject's tail may
    /// be the beginning of the literal of a rule whose matches start at their literal: such a rule's match
    /// may start there once more text comes. (Rules whose matches start before their literal are searched
    /// near the end instead: ``tailSearchedSlots``.)
    ///
    /// - Parameter everyTailRule: list every rule for each tail position, rather than one (for a stream that
    ///   searches some rules from later offsets than others).
    /// - Returns: whether the subject holds a character that caseless PCRE2 matching equates with an ASCII
    ///   letter (then rules with `foldsOutsideASCII` must be searched as residual).
    func findCandidates(in subject: UnsafeBufferPointer<UInt8>, from start: Int, partial: Bool, everyTailRule: Bool,
                        into scratch: Scratch) -> Bool {
        scratch.hits.removeAll()
        scratch.candidates.removeAll()
        scratch.tailHolds.removeAll()
        // Read in place, not bound to a local: a local copy of the reference costs a retain and a release.
        guard scanner != nil else { return false }
        let summary = scanner!.scan(subject, from: start, into: &scratch.hits)
        scratch.longestTailBeginningALiteral = summary.longestTailBeginningALiteral
        let hasCaseVariants = summary.hasCaseVariants
        let confirms = !partial && !confirmationFoldsOutsideASCII.isEmpty
        if confirms {
            // A stream's window cannot confirm: the confirming literal may be still to come.
            scratch.lastConfirmations = Array(repeating: -1, count: confirmationFoldsOutsideASCII.count)
            for hit in scratch.hits.elements {
                for slot in confirmationsOfLiteral[Int(hit.literal)] {
                    scratch.lastConfirmations[Int(slot)] = max(scratch.lastConfirmations[Int(slot)], hit.position)
                }
            }
        }
        for hit in scratch.hits.elements {
            for (rule, place) in zip(rulesOfLiteral[Int(hit.literal)], placesInRules[Int(hit.literal)]) {
                // (Such a literal right after a word character is part of a longer word: `regrid` for `\s+grid`.)
                if place.isAfterNonWord && subject.isWordCharacter(at: hit.position - 1) { continue }
                if confirmSlots[rule] >= 0 {
                    let slot = Int(confirmSlots[rule])
                    let unseen = hasCaseVariants && confirmationFoldsOutsideASCII[slot]
                    if !unseen {
                        if confirms && scratch.lastConfirmations[slot] < hit.position && confirmsByScanner[slot] { continue }
                        if confirmationWindows[slot]?.mayConfirm(at: hit.position, in: subject, partial: partial) == false { continue }
                    }
                }
                if case .keyword(let length, let boundaryBefore, let boundaryAfter, _) = plans[rule] {
                    let end = hit.position + length
                    if boundaryBefore && subject.isWordCharacter(at: hit.position - 1) == subject.isWordCharacter(at: hit.position) { continue }
                    // At a partial subject's end the character after the keyword is still to come.
                    if boundaryAfter && !(partial && end == subject.count)
                        && subject.isWordCharacter(at: end - 1) == subject.isWordCharacter(at: end) { continue }
                }
                let reach = place.lead.reach(before: hit.position, in: subject, notBefore: start)
                scratch.candidates.append(Candidate(rule: rule, position: hit.position, from: subject.characterStart(atOrBefore: hit.position - reach)))
            }
        }
        if scratch.candidates.count > 1 { sortCandidates(scratch) }
        guard partial else { return hasCaseVariants }
        // Only the tails that the scan leaves as possible beginnings of a literal.
        let tailStart = max(start, subject.count - summary.longestTailBeginningALiteral)
        if everyTailRule {
            scanner!.literalsContinuing(subject, from: tailStart) { position, literal in
                for rule in rulesOfLiteral[literal] where Self.startsAtLiteral(plans[rule]) {
                    scratch.tailHolds.append(Candidate(rule: rule, position: position))
                }
            }
        } else {
            Self.appendTailHolds(of: heldPrefixes, in: subject, from: tailStart, to: &scratch.tailHolds)
        }
        return hasCaseVariants
    }

    /// Appends a hold for each tail of `subject` from `start` on that begins one of the `prefixes`' literals. (The
    /// closure captures the holds, not the scratch that owns them: that would be retained in every window of a stream.)
    @inline(__always)
    private static func appendTailHolds(of prefixes: TailPrefixTable, in subject: UnsafeBufferPointer<UInt8>, from start: Int,
                                        to holds: inout GrowableBuffer<Candidate>) {
        prefixes.forEachTailPrefix(in: subject, from: start) { position, rule in
            holds.append(Candidate(rule: Int(rule), position: position))
        }
    }

    /// Puts the candidates in order (``Candidate/<``). Many of them, as a whole text gives, are counted into
    /// place by rule, and each rule's run then sorted by insertion: the scan finds them almost in order.
    /// (Called with two or more.)
    private func sortCandidates(_ scratch: Scratch) {
        let count = scratch.candidates.count
        // Counting costs a pass over every rule; for a few candidates a comparison sort costs less.
        var candidates = scratch.candidates.mutableElements
        guard count >= 64 && count * 8 >= plans.count else { return candidates.sort() }
        candidates.countingSort(keyCount: plans.count, counts: &scratch.sortCounts, buffer: &scratch.sortBuffer) { $0.rule }
        // Grouped by rule already, so a candidate moves only within its rule's run.
        for index in 1..<count {
            let candidate = candidates[index]
            var place = index
            while place > 0 && candidate < candidates[place - 1] {
                candidates[place] = candidates[place - 1]
                place -= 1
            }
            candidates[place] = candidate
        }
    }

    /// The first offset from `start` (and before `limit`) at which a match of `rule` (one whose leading starts are
    /// kept: see ``leadingStarts``) may start in `subject`: one of its leading literals starts there or begins at the
    /// end, or a byte that starts a leading character is there; `Int.max` when there is none. `nil` when the rule's
    /// leading starts are unknown, or caseless matching could find them in forms the check does not see.
    func earliestStart(of rule: Int, in subject: UnsafeBufferPointer<UInt8>, from start: Int, before limit: Int,
                       hasCaseVariants: Bool) -> Int? {
        guard let leading = leadingStarts[rule], !(hasCaseVariants && leading.foldsOutsideASCII != 0) else { return nil }
        return leading.starts(in: subject, from: start, before: limit, hasCaseVariants: false).earliest
    }

    /// The number of tables of ``slotStarts``: 64 stream slots to a table.
    var slotTableCount: Int { slotStarts.count }

    /// Whether a match of the rule in stream slot `slot` may start in `subject` from `start`, as
    /// ``earliestStart(of:in:from:before:hasCaseVariants:)`` tells, with one pass for every slot of its table
    /// whose search starts there: `known` keeps each table's last pass over the subject.
    func mayStartMatch(ofSlot slot: Int, in subject: UnsafeBufferPointer<UInt8>, from start: Int, hasCaseVariants: Bool,
                       known: KnownStarts) -> Bool? {
        let table = slot &>> 6, bit: UInt64 = 1 &<< UInt64(slot & 63)
        guard knownSlotStarts[table] & bit != 0 else { return nil }
        return slotsWithoutStart(inTable: table, in: subject, from: start, hasCaseVariants: hasCaseVariants, known: known) & bit == 0
    }

    /// The stream slots of table `table` (as bits, slot `64 * table + i` in bit `i`) whose rules cannot start a
    /// match anywhere in `subject` from `start`: their starts are known and none occurs. `known` as for
    /// ``mayStartMatch(ofSlot:in:from:hasCaseVariants:known:)``.
    func slotsWithoutStart(inTable table: Int, in subject: UnsafeBufferPointer<UInt8>, from start: Int, hasCaseVariants: Bool,
                           known: KnownStarts) -> UInt64 {
        if let parts = known.parts(ofTable: table, from: start) { return knownSlotStarts[table] & ~parts }
        let parts = slotStarts[table].startingParts(in: subject, from: start, hasCaseVariants: hasCaseVariants)
        known.record(parts, ofTable: table, from: start)
        return knownSlotStarts[table] & ~parts
    }

    /// For each table of slots, the last pass over a subject: from where, and the slots it found may start a match
    /// there (as bits). Freed by its owner.
    struct KnownStarts {
        private struct Pass {
            /// The subject's generation: passes of earlier ones are about other subjects.
            var generation = 0
            var from = 0
            var parts: UInt64 = 0
        }

        private let passes: FixedBuffer<Pass>
        private var generation = 1

        /// - Parameter streamSlots: the ``RulePrefilter/streamSlotCount`` of the prefilter it serves.
        init(streamSlots: Int) {
            passes = FixedBuffer(repeating: Pass(), count: (streamSlots + 63) / 64)
        }

        /// Forgets every pass: the next subject is another.
        mutating func forgetPasses() { generation &+= 1 }

        /// What the last pass over this subject found, if it was of table `table` and from `start`.
        @inline(__always)
        func parts(ofTable table: Int, from start: Int) -> UInt64? {
            passes[table].generation == generation && passes[table].from == start ? passes[table].parts : nil
        }

        func record(_ parts: UInt64, ofTable table: Int, from start: Int) {
            passes[table] = Pass(generation: generation, from: start, parts: parts)
        }

        func free() { passes.free() }
    }

    /// The alternatives of the rule in stream slot `slot`, compiled one by one, if they can narrow its searches.
    func alternativeStarts(ofSlot slot: Int) -> AlternativeStarts? { alternativeStarts[slot] }

    /// The rule in stream slot `slot`.
    @inline(__always)
    func rule(ofStreamSlot slot: Int) -> Int { rulesOfStreamSlots[slot] }

    /// The rule's slot among the rules a stream searches over whole windows, if it is one.
    @inline(__always)
    func streamSlot(of rule: Int) -> Int? {
        let slot = streamSlots[rule]
        return slot < 0 ? nil : Int(slot)
    }

    /// Whether a stream also searches a rule with this plan near its window's end: its matches can start
    /// before its literal, though not any distance before (then it is searched whole).
    static func isTailSearched(_ plan: Plan) -> Bool {
        if case .literalDriven(let lead, _, _) = plan { return lead != .exactly(0) && lead.runs != .all }
        return false
    }

    /// Whether every match of a rule with this plan starts at one of its literals.
    private static func startsAtLiteral(_ plan: Plan) -> Bool {
        switch plan {
        case .keyword: true
        case .literalDriven(let lead, _, _): lead == .exactly(0)
        case .residual, .excluded: false
        }
    }

    /// Whether PCRE2 searches a rule over the whole subject rather than at its candidates: a residual rule;
    /// in partial mode also one whose matches can start any distance before its literal; and, when the text
    /// holds a character that caseless matching equates with an ASCII letter, one whose literals that
    /// could affect.
    static func isSearchedWhole(_ plan: Plan, hasCaseVariants: Bool, partial: Bool) -> Bool {
        switch plan {
        case .residual: true
        case .literalDriven(let lead, _, let foldsOutsideASCII): (foldsOutsideASCII && hasCaseVariants) || (partial && lead.runs == .all)
        case .keyword(_, _, _, let foldsOutsideASCII): foldsOutsideASCII && hasCaseVariants
        case .excluded: false
        }
    }

    /// The rules PCRE2 searches over the whole subject (see ``isSearchedWhole(_:hasCaseVariants:partial:)``), in order.
    @inline(__always)
    func residual(hasCaseVariants: Bool, partial: Bool) -> UnsafeBufferPointer<Int> {
        residualRules[(partial ? 2 : 0) + (hasCaseVariants ? 1 : 0)]
    }
}

/// A rule's alternatives compiled one by one, with what starts each: a stream's search of a window runs only
/// those that can start a match in it (a rule of many alternatives otherwise tries each at every position).
final class AlternativeStarts: Sendable {
    /// The rule's pattern, one part per alternative (searched as the whole rule is, see ``PCRE2Pattern``).
    let pattern: PCRE2Pattern
    /// What starts each alternative, one part each.
    let starts: StartTable

    /// - Parameter leading: by alternative, what starts its matches, when known (``RequiredLiterals/alternativeLeading``).
    ///
    /// `nil` when that would not narrow a search: one alternative, more than 64, none with known starts, or
    /// an alternative that does not compile alone.
    init?(alternatives: [String], leading: [LeadingSet?], options: PCRE2CompileOptions) {
        guard alternatives.count > 1, leading.count == alternatives.count, leading.contains(where: { $0 != nil }),
              let starts = StartTable(leading: leading),
              let pattern = try? PCRE2Pattern(eachOf: alternatives, options: options)
        else { return nil }
        self.pattern = pattern
        self.starts = starts
    }

    /// The alternatives that may start a match in `subject` from `start`, as ``PCRE2Pattern``'s parts bits, and
    /// where the first of them may start (see ``StartTable/starts(in:from:before:adding:hasCaseVariants:)``).
    func startingAlternatives(in subject: UnsafeBufferPointer<UInt8>, from start: Int, hasCaseVariants: Bool) -> StartTable.Starts {
        starts.starts(in: subject, from: start, hasCaseVariants: hasCaseVariants)
    }
}

/// What starts the matches of each of up to 64 parts (a rule's alternatives, or the rule as one part): a
/// leading literal, or a character whose first byte is in a set. For quick checks of where a match may start.
///
/// `@unchecked Sendable`: its tables are written only in `init`.
final class StartTable: @unchecked Sendable {
    /// Tables of parts as bits, one after the other. By byte: the parts that a character starting with the
    /// byte can start (``startedByByte``). Then two blocks, one for a byte that follows no ASCII word character
    /// and one (``afterWordCharacter`` further on) for a byte that follows one, where the literals that start
    /// at a word boundary do not start with a word character: by byte, the parts with a leading literal of
    /// two bytes or more that can begin with the byte (``literalStartedByByte``), and the parts the byte may
    /// start at all (``anyStartedByByte``, so that most bytes are passed over with one look-up). Then by byte,
    /// the block that the next byte reads (``blockAfterByte``: 0 or ``afterWordCharacter``). Then by bucket of
    /// a literal's head (``headBucket(of:)``), the parts with such a leading literal (``literalStartedByHead``).
    /// Last, by ``bigramBucket(_:_:)`` of its first two bytes, the parts with a leading literal of three bytes or
    /// more (``longLiteralStartedByBigram``).
    private let tables: UnsafeMutableBufferPointer<UInt64>
    private static let startedByByte = 0, literalStartedByByte = 256, anyStartedByByte = 512, afterWordCharacter = 512,
                       blockAfterByte = 1_280, literalStartedByHead = 1_536, longLiteralStartedByBigram = 1_536 + bucketCount
    /// Every part's bit.
    private let every: UInt64
    /// The leading literals of two bytes or more, by ``headBucket(of:)``: row `b` holds those of bucket `b`.
    private let bucketedLiterals: FixedRows<BucketedLiteral>
    /// Parts whose starts are unknown: always starting.
    private let unknown: UInt64
    /// Parts with a leading literal that caseless matching could find in forms outside ASCII.
    let foldsOutsideASCII: UInt64

    /// - Parameter leading: by part, what starts its matches, when known. `nil` for more than 64 parts.
    init?(leading starts: [LeadingSet?]) {
        guard !starts.isEmpty, starts.count <= 64 else { return nil }
        let tables = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: Self.longLiteralStartedByBigram + Self.bucketCount)
        tables.initialize(repeating: 0)
        var unknown: UInt64 = 0, foldsOutsideASCII: UInt64 = 0, literalsStartAtWordBoundary: UInt64 = 0
        var buckets = [[BucketedLiteral]](repeating: [], count: Self.bucketCount)
        for (index, leading) in starts.enumerated() {
            let bit: UInt64 = 1 << index
            guard let leading else {
                unknown |= bit
                continue
            }
            // A one-byte literal starts a part as a leading character does.
            let singleBytes = LeadingSet(literals: leading.literals.filter { $0.bytes.count == 1 })
            let longer = LeadingSet(literals: leading.literals.filter { $0.bytes.count > 1 })
            let startBytes = leading.bytes.union(singleBytes.literalFirstBytes), literalFirstBytes = longer.literalFirstBytes
            for byte in 0...255 {
                if startBytes.contains(UInt8(byte)) { tables[Self.startedByByte + byte] |= bit }
                if literalFirstBytes.contains(UInt8(byte)) { tables[Self.literalStartedByByte + byte] |= bit }
            }
            for literal in longer.literals {
                let bucket = Self.headBucket(of: literal.bytes)
                tables[Self.literalStartedByHead + bucket] |= bit
                if literal.bytes.count > 2 { tables[Self.longLiteralStartedByBigram + Self.bigramBucket(literal.bytes[0], literal.bytes[1])] |= bit }
                buckets[bucket].append(BucketedLiteral(part: index, literal: literal, following: leading.followingBytes[literal] ?? .all))
            }
            if leading.literals.contains(where: \.hasNonASCIICaseVariants) { foldsOutsideASCII |= bit }
            if leading.literalsStartAtWordBoundary { literalsStartAtWordBoundary |= bit }
        }
        for byte in 0...255 {
            let isWordCharacter = ByteSet.asciiWordCharacters.contains(UInt8(byte))
            let started = tables[Self.startedByByte + byte], literalStarted = tables[Self.literalStartedByByte + byte]
            let literalStartedAfterWord = isWordCharacter ? literalStarted & ~literalsStartAtWordBoundary : literalStarted
            tables[Self.afterWordCharacter + Self.literalStartedByByte + byte] = literalStartedAfterWord
            tables[Self.anyStartedByByte + byte] = started | literalStarted
            tables[Self.afterWordCharacter + Self.anyStartedByByte + byte] = started | literalStartedAfterWord
            tables[Self.blockAfterByte + byte] = isWordCharacter ? UInt64(Self.afterWordCharacter) : 0
        }
        self.tables = tables
        every = starts.count == 64 ? .max : (1 << starts.count) - 1
        bucketedLiterals = FixedRows(buckets)
        self.unknown = unknown
        self.foldsOutsideASCII = foldsOutsideASCII
    }

    deinit {
        tables.deallocate()
        bucketedLiterals.free()
    }

    /// The parts that may start a match in a text, and where the first of them may start.
    struct Starts {
        /// As bits: part `i` in bit `i`.
        var parts: UInt64
        /// The first offset at which one of ``parts`` may start: the search's start when some are taken to start
        /// anywhere (their starts unknown, or known to the caller), `Int.max` when there are none.
        var earliest: Int
    }

    /// The parts that may start a match in `subject` from `start` and before `limit` (a leading character
    /// or literal starts there, or a proper prefix of a literal ends the subject), as bits, with the parts
    /// `known` added. A literal that must start at a word boundary does not start right after a word character.
    func startingParts(in subject: UnsafeBufferPointer<UInt8>, from start: Int, before limit: Int = .max, adding known: UInt64 = 0,
                       hasCaseVariants: Bool) -> UInt64 {
        starts(in: subject, from: start, before: limit, adding: known, hasCaseVariants: hasCaseVariants).parts
    }

    /// ``startingParts(in:from:before:adding:hasCaseVariants:)``, and where the first of them may start: no match
    /// of these parts starts before it. (Inlined, so that a caller of the parts alone does not keep track of it.)
    @inline(__always)
    func starts(in subject: UnsafeBufferPointer<UInt8>, from start: Int, before limit: Int = .max, adding known: UInt64 = 0,
                hasCaseVariants: Bool) -> Starts {
        var parts = known | unknown | (hasCaseVariants ? foldsOutsideASCII : 0)
        var earliest = parts == 0 ? Int.max : start
        var position = start
        let end = min(limit, subject.count)
        let tables = tables.baseAddress.unsafelyUnwrapped
        var block = subject.isWordCharacter(at: start - 1) ? Self.afterWordCharacter : 0
        while position < end && parts != every {
            let byte = Int(subject[position])
            let byteBlock = block
            block = Int(truncatingIfNeeded: tables[Self.blockAfterByte &+ byte])
            guard tables[byteBlock &+ Self.anyStartedByByte &+ byte] & ~parts != 0 else {
                position &+= 1
                continue
            }
            let partsBefore = parts
            parts |= tables[Self.startedByByte &+ byte]
            var pending = tables[byteBlock &+ Self.literalStartedByByte &+ byte] & ~parts
            if pending != 0 && position + 1 == subject.count {
                parts |= pending  // the last byte may begin any of those literals
            } else if pending != 0 {
                // Literals of two bytes are in the bucket of the next two bytes; longer ones in that of the next three,
                // unless the subject ends after two: then the bytes still to come may finish one (told by the bucket
                // of its first two, so a collision adds a part that does not start: a search, never a miss).
                let second = subject[position + 1]
                let bigram = Self.bigramBucket(UInt8(byte), second)
                let long = pending & tables[Self.longLiteralStartedByBigram + bigram]
                if long != 0 && position + 2 == subject.count {
                    parts |= long
                    pending &= ~long
                }
                pending &= tables[Self.literalStartedByHead + bigram] | long
                if pending != 0 {
                    // The next eight bytes, as they are and folded, are compared with each literal's first eight at once.
                    let word = position + 8 <= subject.count
                        ? UnsafeRawPointer(subject.baseAddress!).loadUnaligned(fromByteOffset: position, as: UInt64.self) : nil
                    let foldedWord = word.map(LiteralScanner.foldASCII)
                    func takeLiterals(inBucket bucket: Int) {
                        guard pending & tables[Self.literalStartedByHead + bucket] != 0 else { return }
                        for entry in bucketedLiterals[bucket] where pending & 1 << entry.part != 0 {
                            if let word, let foldedWord {
                                guard (entry.literal.caseless ? foldedWord : word) & entry.headMask == entry.head else { continue }
                                guard entry.literal.bytes.count <= 8 || entry.literal.begins(in: subject, at: position) else { continue }
                            } else {
                                guard entry.literal.begins(in: subject, at: position) else { continue }
                            }
                            // (Where the subject ends after the literal, or inside it, what follows is still to come.)
                            let after = position + entry.literal.bytes.count
                            guard after >= subject.count || entry.following.contains(subject[after]) else { continue }
                            parts |= 1 << entry.part
                            pending &= ~(1 << entry.part)
                        }
                    }
                    takeLiterals(inBucket: bigram)
                    if pending & long != 0 && position + 2 < subject.count {
                        let trigram = Self.trigramBucket(UInt8(byte), second, subject[position + 2])
                        if trigram != bigram { takeLiterals(inBucket: trigram) }
                    }
                }
            }
            if parts != partsBefore && earliest == .max { earliest = position }
            position += 1
        }
        return Starts(parts: parts, earliest: earliest)
    }

    /// A leading literal of part `part`, with its first eight bytes (or fewer) as one number, the first in the
    /// low 8 bits (see ``LiteralScanner/key(_:)``), and a mask of them.
    private struct BucketedLiteral {
        let part: Int
        let literal: Literal
        /// The first bytes of what may follow the literal in a match (``LeadingSet/followingBytes``).
        let following: ByteSet
        let head: UInt64
        let headMask: UInt64

        init(part: Int, literal: Literal, following: ByteSet) {
            self.part = part
            self.literal = literal
            self.following = following
            head = LiteralScanner.key(literal.bytes.prefix(8))
            headMask = literal.bytes.count >= 8 ? .max : (1 << UInt64(8 * literal.bytes.count)) - 1
        }
    }

    /// How many buckets ``bigramBucket(_:_:)`` and ``trigramBucket(_:_:_:)`` spread bytes over.
    static let bucketCount = 1024

    /// The bucket of two bytes, with ASCII letters folded (collisions only cost a literal comparison).
    @inline(__always)
    static func bigramBucket(_ first: UInt8, _ second: UInt8) -> Int {
        (Int(Literal.fold(first)) &* 31 &+ Int(Literal.fold(second))) & (bucketCount - 1)
    }

    /// The bucket of three bytes, as ``bigramBucket(_:_:)``. (Two bytes leave most Chinese characters alike: the
    /// ones in a run of 64 code points share their first two.)
    @inline(__always)
    static func trigramBucket(_ first: UInt8, _ second: UInt8, _ third: UInt8) -> Int {
        (Int(Literal.fold(first)) &* 961 &+ Int(Literal.fold(second)) &* 31 &+ Int(Literal.fold(third))) & (bucketCount - 1)
    }

    /// The bucket a leading literal of two bytes or more is kept in: by its first three bytes, or its two.
    static func headBucket(of bytes: [UInt8]) -> Int {
        bytes.count > 2 ? trigramBucket(bytes[0], bytes[1], bytes[2]) : bigramBucket(bytes[0], bytes[1])
    }
}
