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

    let plans: [Plan]
    let scanner: LiteralScanner?
    /// The rules that require each literal of the scanner.
    private let rulesOfLiteral: [[Int]]
    /// The confirmation slots (see ``confirmSlots``) each literal of the scanner confirms.
    private let confirmationsOfLiteral: [[Int32]]
    /// By rule index: for a rule whose literals start its matches and that also requires a rarer set
    /// (``RequiredLiterals/confirming``), its slot; else -1. A whole-text scan drops the rule's candidates
    /// that no occurrence of the rarer set follows.
    private let confirmSlots: [Int32]
    /// By confirmation slot: whether caseless matching could find the rarer set in forms the scanner does
    /// not see (then the slot confirms nothing when the text holds such a form).
    private let confirmationFoldsOutsideASCII: [Bool]
    private let residualRules: [Int]
    private let partialResidualRules: [Int]
    /// Literal-driven rules whose matches can start before their literal: in a stream's window they are
    /// also searched near its end, where the literal may not have arrived yet.
    let tailSearchedRules: [Int]
    /// The prefixes of the literals of rules whose matches start at their literal (keywords, and a lead of
    /// 0), each with one such rule: in a stream's window, where such a match may be beginning.
    private let heldPrefixes: TailPrefixTable
    /// For rules whose matches can start before their literal, by rule index: literals of any length one of
    /// which starts every match, when the extractor knows them.
    private let leadingLiterals: [LeadingLiterals?]
    /// By rule index: the rule's slot among the rules a stream searches over whole windows (residual, an
    /// unbounded lead, or tail-searched), or -1.
    private let streamSlots: [Int32]
    let streamSlotCount: Int

    /// - Parameter patterns: by rule index, each rule's combined pattern, whether it compiles caseless and with
    ///   Unicode properties, and whether a check-digit verifier filters its matches; `nil` for a rule of
    ///   another group.
    init(patterns: [(pattern: String, caseless: Bool, ucp: Bool, hasVerifier: Bool)?]) {
        var literalIndex: [Literal: Int] = [:]
        var literals: [Literal] = []
        var rulesOfLiteral: [[Int]] = []
        var confirmationsOfLiteral: [[Int32]] = []
        var plans: [Plan] = []
        var leadingLiterals: [LeadingLiterals?] = []
        var confirmSlots = [Int32](repeating: -1, count: patterns.count)
        var confirmationFoldsOutsideASCII: [Bool] = []
        func index(of literal: Literal) -> Int {
            if let index = literalIndex[literal] { return index }
            literals.append(literal)
            rulesOfLiteral.append([])
            confirmationsOfLiteral.append([])
            literalIndex[literal] = literals.count - 1
            return literals.count - 1
        }
        func add(_ literal: Literal, for rule: Int) { rulesOfLiteral[index(of: literal)].append(rule) }
        for (rule, entry) in patterns.enumerated() {
            leadingLiterals.append(nil)
            guard let entry else {
                plans.append(.excluded)
                continue
            }
            // A keyword's occurrences are its matches only as PCRE2 finds them without Unicode properties.
            if !entry.ucp && !entry.hasVerifier, let keyword = LiteralExtractor.keyword(entry.pattern, caseless: entry.caseless), keyword.literal.bytes.count >= 3 {
                add(keyword.literal, for: rule)
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
            for literal in required.literals { add(literal, for: rule) }
            if let confirming = required.confirming {
                confirmSlots[rule] = Int32(confirmationFoldsOutsideASCII.count)
                for literal in confirming { confirmationsOfLiteral[index(of: literal)].append(confirmSlots[rule]) }
                confirmationFoldsOutsideASCII.append(confirming.contains(where: \.hasNonASCIICaseVariants))
            }
            if required.maximumLead != 0 { leadingLiterals[rule] = required.leading.map(LeadingLiterals.init) }
            plans.append(.literalDriven(
                lead: required.lead, longestLiteral: required.literals.map(\.bytes.count).max()!,
                foldsOutsideASCII: required.literals.contains(where: \.hasNonASCIICaseVariants)))
        }
        self.plans = plans
        self.confirmationsOfLiteral = confirmationsOfLiteral
        self.confirmSlots = confirmSlots
        self.confirmationFoldsOutsideASCII = confirmationFoldsOutsideASCII
        self.leadingLiterals = leadingLiterals
        self.rulesOfLiteral = rulesOfLiteral
        scanner = literals.isEmpty ? nil : LiteralScanner(literals: literals)
        residualRules = plans.indices.filter { Self.isSearchedWhole(plans[$0], hasCaseVariants: false, partial: false) }
        partialResidualRules = plans.indices.filter { Self.isSearchedWhole(plans[$0], hasCaseVariants: false, partial: true) }
        tailSearchedRules = plans.indices.filter { Self.isTailSearched(plans[$0]) }
        var streamSlots = [Int32](repeating: -1, count: plans.count)
        var streamSlotCount = 0
        for rule in plans.indices where Self.isSearchedWhole(plans[rule], hasCaseVariants: false, partial: true) || Self.isTailSearched(plans[rule]) {
            streamSlots[rule] = Int32(streamSlotCount)
            streamSlotCount += 1
        }
        self.streamSlots = streamSlots
        self.streamSlotCount = streamSlotCount
        heldPrefixes = TailPrefixTable(literals: literals.indices.compactMap { index in
            rulesOfLiteral[index].first(where: { Self.startsAtLiteral(plans[$0]) }).map { (literals[index].bytes, Int32($0)) }
        })
    }

    deinit { heldPrefixes.free() }

    /// Reusable buffers of one search: the literal hits, the (rule, position) candidates, and the places
    /// where a stream's window ends inside a possible match.
    struct Scratch {
        var hits: [LiteralScanner.Hit] = []
        var candidates: [Candidate] = []
        var tailHolds: [Candidate] = []
        /// By confirmation slot: the last position where the rarer set occurs (whole-text scans).
        var lastConfirmations: [Int] = []
    }

    /// A place where rule `rule` may match: it starts there or, with a lead, within `lead` bytes before.
    struct Candidate: Comparable {
        var rule: Int
        var position: Int
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rule, a.position) < (b.rule, b.position) }
    }

    /// Finds the places where literal-driven rules may match in `subject` from `start`, sorted by rule
    /// and position. Keyword occurrences that fail their `\b` checks are left out.
    ///
    /// In partial mode it also finds, in ``Scratch/tailHolds``, the positions where the subject's tail may
    /// be the beginning of the literal of a rule whose matches start at their literal: such a rule's match
    /// may start there once more text comes. (Rules whose matches start before their literal are searched
    /// near the end instead: ``tailSearchedRules``.)
    ///
    /// - Parameter everyTailRule: list every rule for each tail position, rather than one (for a stream that
    ///   searches some rules from later offsets than others).
    /// - Returns: whether the subject holds a character that caseless PCRE2 matching equates with an ASCII
    ///   letter (then rules with `foldsOutsideASCII` must be searched as residual).
    func findCandidates(in subject: UnsafeBufferPointer<UInt8>, from start: Int, partial: Bool, everyTailRule: Bool,
                        into scratch: inout Scratch) -> Bool {
        scratch.hits.removeAll(keepingCapacity: true)
        scratch.candidates.removeAll(keepingCapacity: true)
        scratch.tailHolds.removeAll(keepingCapacity: true)
        guard let scanner else { return false }
        let hasCaseVariants = scanner.scan(subject, from: start, into: &scratch.hits)
        let confirms = !partial && !confirmationFoldsOutsideASCII.isEmpty
        if confirms {
            // A stream's window cannot confirm: the rarer literal may be still to come.
            scratch.lastConfirmations = Array(repeating: -1, count: confirmationFoldsOutsideASCII.count)
            for hit in scratch.hits {
                for slot in confirmationsOfLiteral[Int(hit.literal)] {
                    scratch.lastConfirmations[Int(slot)] = max(scratch.lastConfirmations[Int(slot)], hit.position)
                }
            }
        }
        for hit in scratch.hits {
            for rule in rulesOfLiteral[Int(hit.literal)] {
                if confirms, confirmSlots[rule] >= 0 {
                    let slot = Int(confirmSlots[rule])
                    if scratch.lastConfirmations[slot] < hit.position && !(hasCaseVariants && confirmationFoldsOutsideASCII[slot]) { continue }
                }
                if case .keyword(let length, let boundaryBefore, let boundaryAfter, _) = plans[rule] {
                    let end = hit.position + length
                    if boundaryBefore && subject.isWordCharacter(at: hit.position - 1) == subject.isWordCharacter(at: hit.position) { continue }
                    // At a partial subject's end the character after the keyword is still to come.
                    if boundaryAfter && !(partial && end == subject.count)
                        && subject.isWordCharacter(at: end - 1) == subject.isWordCharacter(at: end) { continue }
                }
                scratch.candidates.append(Candidate(rule: rule, position: hit.position))
            }
        }
        scratch.candidates.sort()
        guard partial else { return hasCaseVariants }
        if everyTailRule {
            scanner.literalsContinuing(subject, from: start) { position, literal in
                for rule in rulesOfLiteral[literal] where Self.startsAtLiteral(plans[rule]) {
                    scratch.tailHolds.append(Candidate(rule: rule, position: position))
                }
            }
        } else {
            heldPrefixes.forEachTailPrefix(in: subject, from: start) { position, rule in
                scratch.tailHolds.append(Candidate(rule: Int(rule), position: position))
            }
        }
        return hasCaseVariants
    }

    /// Whether a match of `rule` (one whose leading literals are kept: see ``leadingLiterals``) may start in
    /// `subject` from `start`: one of its leading literals starts there, or begins at the end. `nil` when the
    /// rule's leading literals are unknown, or caseless matching could find them in forms the check does not see.
    func mayStartMatch(of rule: Int, in subject: UnsafeBufferPointer<UInt8>, from start: Int, hasCaseVariants: Bool) -> Bool? {
        guard let leading = leadingLiterals[rule], !(hasCaseVariants && leading.foldsOutsideASCII) else { return nil }
        return leading.begin(in: subject, from: start)
    }

    /// The rule's slot among the rules a stream searches over whole windows, if it is one.
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

    /// The rules PCRE2 searches over the whole subject (see ``isSearchedWhole(_:hasCaseVariants:partial:)``).
    func residual(hasCaseVariants: Bool, partial: Bool) -> [Int] {
        guard hasCaseVariants else { return partial ? partialResidualRules : residualRules }
        return plans.indices.filter { Self.isSearchedWhole(plans[$0], hasCaseVariants: true, partial: partial) }
    }
}

/// A rule's leading literals (one of them starts every match), for quick checks of where a match may start.
struct LeadingLiterals: Sendable {
    private let literals: [Literal]
    /// The bytes the literals begin with, in every case (``ByteSet/withCaseVariants``).
    private let firstBytes: ByteSet
    /// Whether caseless matching could find a literal in forms outside ASCII (see ``Literal/hasNonASCIICaseVariants``).
    let foldsOutsideASCII: Bool

    init(_ literals: [Literal]) {
        self.literals = literals
        firstBytes = literals.reduce(ByteSet()) { set, literal in
            let first = ByteSet([literal.bytes[0]])
            return set.union(literal.caseless ? first.withCaseVariants : first)
        }
        foldsOutsideASCII = literals.contains(where: \.hasNonASCIICaseVariants)
    }

    /// Whether one of the literals starts in `subject` at or after `start`, or a proper prefix of one ends it.
    func begin(in subject: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var position = start
        while position < subject.count {
            if firstBytes.contains(subject[position]) && literals.contains(where: { $0.begins(in: subject, at: position) }) { return true }
            position += 1
        }
        return false
    }
}
