@testable import ContentFilter
import ContentFilterFuzzing
import Foundation
import Testing

/// The literal prefilter must change only the speed: the same rule ids and spans as every rule's pattern run
/// over the whole text, in whole-text scans and in streams.
@Suite struct PrefilterTests {
    /// Every text of the evaluation set, the rule examples and the fixtures, in groups of 40 so that
    /// matches of different rows meet in one text.
    static let ownTexts: [String] = {
        var rows: [String] = []
        let files = (try? FileManager.default.contentsOfDirectory(at: EvaluationTests.evaluationDirectory, includingPropertiesForKeys: nil)) ?? []
        for file in files.sorted(by: { $0.path < $1.path }) where file.pathExtension == "jsonl" {
            let lines = (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n") ?? []
            for line in lines {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let text = object["text"] as? String {
                    rows.append(text)
                }
            }
        }
        for rule in RuleSet.shipped.rules { rows += (rule.matchExamples + rule.noMatchExamples).map(\.text) }
        rows += StreamFilterContractTests.fixtures
        return stride(from: 0, to: rows.count, by: 40).map { rows[$0..<min($0 + 40, rows.count)].joined(separator: "\n") }
    }()

    @Test func evaluationSetIsThere() {
        #expect(Self.ownTexts.count > 100)
    }

    @Test func shippedRulesFindTheSameRawMatches() {
        for text in Self.ownTexts {
            let expected = RuleSet.shippedWithoutPrefilter.rawMatches(in: text)
            #expect(RuleSet.shipped.rawMatches(in: text) == expected)
        }
    }

    @Test func streamsFindTheSameMatchesAsThePlainScan() {
        var configuration = FilterConfiguration.plain
        configuration.dryRun = true
        var generator = SeededGenerator(state: 42)
        // Every eighth group: rows of every category.
        for text in Self.ownTexts.enumerated().filter({ $0.offset % 8 == 0 }).map(\.element) {
            let expected = RuleSet.shippedWithoutPrefilter.scan(text).matches.map { [$0.rule, "\($0.start)", "\($0.end)"] }
            let output = filterStream(randomCutting(Array(text.utf8), using: &generator), rules: .shipped, configuration: configuration)
            let found = output.events.filter { $0.type == .match }.map { [$0.rule ?? "", "\($0.start ?? -1)", "\($0.end ?? -1)"] }
            #expect(found == expected)
        }
    }

    /// PCRE2's caseless matching equates `k` with KELVIN SIGN and `s` with LONG S, which ASCII folding
    /// does not: texts holding them are searched without the prefilter's narrowing for those rules.
    @Test func caselessMatchesThroughNonASCIICaseVariants() throws {
        let directory = try temporaryDirectory(["r.yaml": """
            category: adult
            rules:
              - id: adult.en.word
                patterns: ['(?i)sexy talk']
                examples: {match: ['so sexy talk'], no_match: ['sex']}
              - id: adult.en.phrase
                patterns: ['(?i)kinky (?:chat|talk)']
                examples: {match: ['kinky chat'], no_match: ['chat']}
              - id: adult.en.lead
                patterns: ['(?i)k\\d?k\\d?s\\d?cam']
                examples: {match: ['kkscam', 'k1k2s3cam'], no_match: ['cam']}
            """])
        defer { try? FileManager.default.removeItem(at: directory) }
        for normalization in [Normalization.all, []] {
            let prefiltered = try RuleSet(sources: [.directory(directory)], normalization: normalization)
            let plain = try RuleSet(sources: [.directory(directory)], usesPrefilter: false, normalization: normalization)
            // Before a literal too: KELVIN SIGN and LONG S make the match start 11 bytes before `cam`, not 6 (and
            // without normalisation, which would read the digits as letters).
            let lead = normalization.isEmpty ? ["an \u{212A}1\u{212A}1\u{17F}1cam"] : []
            for text in ["so \u{17F}exy talk", "\u{212A}inky talk", "SEXY TALK and KINKY CHAT"] + lead {
                #expect(prefiltered.rawMatches(in: text) == plain.rawMatches(in: text))
                #expect(!plain.rawMatches(in: text).matches.isEmpty)
            }
        }
    }

    /// A rule whose matches start at a common literal and span few bytes is confirmed only where its rarer
    /// literal occurs within that span: the same matches, in whole texts and in streams of any cutting.
    @Test func rarerLiteralIsLookedForWithinAMatchSpan() throws {
        let required = try #require(LiteralExtractor.requiredLiterals(of: "(?i)bomb.{0,12}instructions", caseless: false))
        #expect(required.confirming?.map { String(decoding: $0.bytes, as: UTF8.self) } == ["instructions"])
        #expect(required.confirmingWithin == 4 + 12 * 4 + 14)  // either `s` may be LONG S
        let texts = ["bomb instructions", "BOMB: full instructions", "bomb, bomb and then instructions", "a bomb. Much later on, instructions",
                     "bomb 汉字汉字汉字汉字instructions", "bomb bomb " + String(repeating: "x", count: 40) + " instructions bomb instruction"]
        let counts = try matchCountsAgreeingWithPlainSearch(pattern: "(?i)bomb.{0,12}instructions", texts: texts)
        #expect(counts == [1, 1, 1, 0, 1, 0])
    }

    /// Another literal the matches require confirms a candidate even when it is no rarer than the one that
    /// starts them: `tra` is a candidate only with `nny` close enough after it.
    @Test func otherRequiredLiteralConfirmsEvenWhenNoRarer() throws {
        let pattern = #"(?i)\btra[\W_]{0,3}nny\b"#
        let required = try #require(LiteralExtractor.requiredLiterals(of: pattern, caseless: false))
        #expect(required.literals.map { String(decoding: $0.bytes, as: UTF8.self) } == ["tra"])
        #expect(required.confirming?.map { String(decoding: $0.bytes, as: UTF8.self) } == ["nny"])
        let texts = ["tranny", "TRA-NNY and tra nny", "trade, funny", "tra", "a tra\u{17F}nny", "tra___nny tra____nny"]  // LONG S is a non-word character
        let counts = try matchCountsAgreeingWithPlainSearch(pattern: pattern, texts: texts)
        #expect(counts == [1, 2, 0, 0, 1, 1])
    }

    /// A candidate whose lead holds no start of the rule's matches is not searched; one whose match starts at
    /// the literal itself still is.
    @Test func leadWithoutAStartIsNotSearched() throws {
        let texts = ["men", "a men", "se-men, semen and SE  MEN", "women", "sexmen", "so  men"]
        let counts = try matchCountsAgreeingWithPlainSearch(pattern: #"(?i)\b(?:se[\W_]{0,3})?men\b"#, texts: texts)
        #expect(counts == [1, 1, 3, 0, 0, 1])
    }

    /// Whether a literal's occurrence right after an ASCII word character can be in a match: not after `\s+`, `\b`,
    /// or an optional piece that ends with a non-word character where `\b` or a space comes before it; yes at the
    /// pattern's start, after a piece that may end with a word character, or after an optional one with nothing
    /// known before it.
    @Test(arguments: [
        // pattern, caseless, literal → after a non-word byte
        (#"\w+\s+casino"#, false, ["casino": true]),
        (#"\bcasino"#, false, ["casino": true]),
        (#"(?i)\b(?:how\s+to\s+)?kill\s+time"#, false, ["how ": true, "kill ": true]),
        (#"\b(?:big|huge)\s+(?:casino|casinos)\b"#, false, ["big ": true, "huge ": true]),
        (#"casino"#, false, ["casino": false]),
        (#"[a-z]+\.com"#, false, [".com": false]),
        (#"\s*casino"#, false, ["casino": false]),
        (#"(?:[\w'-]+\s+){0,5}?casino"#, false, ["casino": false]),
        (#"\s(?:[\w'-]+\s+){0,5}?casino"#, false, ["casino": true]),
        (#"\b-casino"#, false, ["-casino": false]),
    ] as [(String, Bool, [String: Bool])])
    func literalAfterNonWord(_ pattern: String, _ caseless: Bool, _ expected: [String: Bool]) throws {
        let required = try #require(LiteralExtractor.requiredLiterals(of: pattern, caseless: caseless))
        var found: [String: Bool] = [:]
        for (index, literal) in required.literals.enumerated() where expected[String(decoding: literal.bytes, as: UTF8.self)] != nil {
            found[String(decoding: literal.bytes, as: UTF8.self)] = required.literalsAfterNonWord[index]
        }
        #expect(found == expected)
    }

    /// An occurrence of such a literal inside a longer word is no candidate; where the pattern lets one be in a
    /// match, it still is: the same matches as PCRE2 alone.
    @Test func literalInsideAWordIsACandidateOnlyWhereItCanMatch() throws {
        let texts = ["the casino", "megacasino", "a casino and acasino", "casino", "x.com", "to  casino"]
        #expect(try matchCountsAgreeingWithPlainSearch(pattern: #"\s+casino"#, texts: texts) == [1, 0, 1, 0, 0, 1])
        #expect(try matchCountsAgreeingWithPlainSearch(pattern: #"\s*casino"#, texts: texts) == [1, 1, 2, 1, 0, 1])
        #expect(try matchCountsAgreeingWithPlainSearch(pattern: #"(?:[\w'-]+\s+){0,5}?casino"#, texts: texts) == [1, 1, 2, 1, 0, 1])
        #expect(try matchCountsAgreeingWithPlainSearch(pattern: #"[a-z]+\.com"#, texts: texts) == [0, 0, 0, 0, 1, 0])
        #expect(try matchCountsAgreeingWithPlainSearch(pattern: #"(?i)\b(?:how\s+to\s+)?casino"#, texts: texts) == [1, 0, 1, 1, 0, 1])
    }

    /// Checks that the prefiltered rule finds what PCRE2 alone finds in each text, whole and streamed in 20
    /// random cuttings; returns how many matches each text has.
    private func matchCountsAgreeingWithPlainSearch(pattern: String, texts: [String]) throws -> [Int] {
        let patterns = try temporaryDirectory(["p.txt": pattern + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        var configuration = FilterConfiguration.plain
        configuration.dryRun = true
        var generator = SeededGenerator(state: 9)
        for text in texts {
            #expect(prefiltered.rawMatches(in: text) == plain.rawMatches(in: text), "\(text)")
            for _ in 0..<20 {
                let output = filterStream(randomCutting(Array(text.utf8), using: &generator), rules: prefiltered, configuration: configuration)
                #expect(output.events.filter { $0.type == .match }.map { [$0.start, $0.end] } == plain.scan(text).matches.map { [$0.start, $0.end] })
            }
        }
        return texts.map { plain.rawMatches(in: $0).matches.count }
    }

    /// A possible match of one pattern of a rule that begins long before its literal stays held back while
    /// another pattern of the rule holds a later possible match: the stream finds the match when it completes.
    @Test func possibleMatchBeforeAnotherPatternsHoldIsKept() throws {
        let directory = try temporaryDirectory(["political_campaigning.yaml": #"""
            category: political_campaigning
            rules:
              - id: political_campaigning.en.two-patterns
                patterns:
                  - '(?i)\bfor (?:[\w-]+ ){1,2}(?:moms|voters|women|men), (?:lead with|stress)\b'
                  - '(?i)(?<=[.!?]\s)[^.!?\n]{0,40}?\bslogan\b[^.!?\n]{0,20}?\bfor mass distribution\b'
                examples: {match: ['Done. Aim and the slogan for mass distribution'], no_match: ['slogan']}
            """#])
        defer { try? FileManager.default.removeItem(at: directory) }
        let prefiltered = try RuleSet(sources: [.directory(directory)], normalization: [])
        let plain = try RuleSet(sources: [.directory(directory)], usesPrefilter: false, normalization: [])
        let text = "Some text here. Most boards suffice. Aim for at least 32 GB DRAM and the slogan for mass distribution. Done."
        let expected: [[Int?]] = plain.scan(text).matches.map { [$0.start, $0.end] }
        #expect(expected.count == 1)
        var configuration = FilterConfiguration.plain
        configuration.dryRun = true
        let bytes = Array(text.utf8)
        var generator = SeededGenerator(state: 3)
        var cuttings = (1...16).map { evenCutting(bytes, size: $0) }
        for _ in 0..<20 { cuttings.append(randomCutting(bytes, using: &generator)) }
        for chunks in cuttings {
            let output = filterStream(chunks, rules: prefiltered, configuration: configuration)
            #expect(output.events.filter { $0.type == .match }.map { [$0.start, $0.end] } == expected)
        }
    }

    /// A stream holds back what PCRE2's partial matching alone holds back, after every chunk, for a rule whose
    /// matches start a little before a long literal: near the window's end only the tail that may begin the
    /// literal, and the lead before it, are searched.
    @Test func tailSearchHoldsBackWhatPartialMatchingDoes() throws {
        let patterns = try temporaryDirectory(["p.txt": #"(?i)\b(?:the|a)\s{1,2}kitchen sink disposal unit\b"# + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        let texts = ["Fix the kitchen sink disposal unit now, then a  kitchen sink dispo",
                     "the \u{212A}itchen sink disposal unit and the kitchen sink disposal un", "so a kitchen sink disposal unit",
                     // The longest lead (`the` and two spaces), before the literal's first bytes at every chunk's end.
                     "and the  kitchen sink disposal unit, or the  kitchen sink"]
        Self.expectHoldBackOfPartialMatching(texts, chunkSizes: 1...16, prefiltered: prefiltered, plain: plain)
    }

    /// With more than 64 such rules, in two tables of stream slots, a stream still holds back what partial matching
    /// alone holds back: rules of the second table start, match and hold at the end too.
    @Test func tailSearchOfMoreThanSixtyFourRulesHoldsBackWhatPartialMatchingDoes() throws {
        let lines = (0..<70).map { #"(?i)\b(?:the|a)\s{1,2}gadget\#($0) model\b"# }
        let patterns = try temporaryDirectory(["p.txt": lines.joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        #expect(prefiltered.groups.map { $0.prefilter?.slotTableCount } == [2])
        let texts = ["Fix the gadget69 model now, then a  gadget3 model or the gadget66 mod",
                     "a gadget64 model, the  gadget1 model and the gadget65", "no gadgets here, just the"]
        Self.expectHoldBackOfPartialMatching(texts, chunkSizes: 1...16, prefiltered: prefiltered, plain: plain)
        let output = filterStream(evenCutting(Array(texts[0].utf8), size: 5), rules: prefiltered)
        #expect(output.events.filter { $0.type == .match }.compactMap(\.rule) == ["p.txt:69", "p.txt:3"])
    }

    /// Streams each text cut into chunks of each size, with and without the prefilter, and expects the same bytes
    /// held back after every chunk and the same output.
    private static func expectHoldBackOfPartialMatching(_ texts: [String], chunkSizes: ClosedRange<Int>, prefiltered: RuleSet,
                                                        plain: RuleSet) {
        for text in texts {
            let bytes = Array(text.utf8)
            for size in chunkSizes {
                let chunks = evenCutting(bytes, size: size)
                var expected: [Int] = []
                let reference = filterStream(chunks, rules: plain) { _, held in expected.append(held) }
                var heldBack: [Int] = []
                let output = filterStream(chunks, rules: prefiltered) { _, held in heldBack.append(held) }
                #expect(heldBack == expected, "\(text), chunks of \(size)")
                #expect(output.chunkingInvariantPart == reference.chunkingInvariantPart)
            }
        }
    }

    /// The tail of a chunk that may begin the literal of a rule whose matches start at a word boundary is held back
    /// only where one is, as PCRE2's partial matching holds it: not inside a word.
    @Test func tailInsideAWordIsNotHeldForARuleThatStartsAtABoundary() throws {
        let patterns = try temporaryDirectory(["p.txt": #"(?i)\bkill\b"# + "\n" + #"(?i)\bt\.me/[a-z0-9_]{4,32}\b"# + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        Self.expectHoldBackOfPartialMatching(["a skill to kill, or a ski trip; KILL", "at.me/abcd and t.me/abcdef, chat.me/abcde t.m"],
                                             chunkSizes: 1...12, prefiltered: prefiltered, plain: plain)
        // A match whose start `\K` moves past its `\b` starts inside a word, in any cutting.
        let moved = try temporaryDirectory(["p.txt": #"(?i)\bs\Kkill\b"# + "\n"])
        defer { try? FileManager.default.removeItem(at: moved) }
        let movedFile = moved.appending(path: "p.txt")
        let prefilteredMoved = try RuleSet(sources: [.patternList(movedFile)], normalization: [])
        let plainMoved = try RuleSet(sources: [.patternList(movedFile)], usesPrefilter: false, normalization: [])
        let bytes = Array("a skill, to skill; SKILL".utf8)
        for size in 1...12 {
            let chunks = evenCutting(bytes, size: size)
            let output = filterStream(chunks, rules: prefilteredMoved)
            #expect(output.events.filter { $0.type == .match }.count == 3, "chunks of \(size)")
            #expect(output.chunkingInvariantPart == filterStream(chunks, rules: plainMoved).chunkingInvariantPart)
        }
    }

    /// Whether every match of a pattern starts at a word boundary is read from its text, and only where that is sure.
    @Test(arguments: [
        (#"\bkill\b"#, true), (#"(?i)\bt\.me/[a-z]{4}"#, true), (#"\b(?:a|b)cd"#, true), (#"\b[|]x|"#, false), (#"\b\|x"#, true),
        (#"\b[]|]x"#, true), (#"\b[^]|]x"#, true), (#"\b[\]|]x"#, true), (#"\bab|cd"#, false), (#"kill\b"#, false), (#"(?i)x\b"#, false),
        (#"\b\Q|\E"#, false), (#"\b(?x)a#[ \n|b"#, false), (#"\b(?ix)a#[ \n|b"#, false), ("\\bab\u{301}|cd", false),
        (#"\bx\Kfoo"#, false), (#"\b[[:alpha:](]x|y"#, false), (#"\b(?#[)|x"#, false),
    ])
    func startsAtWordBoundaryIsReadFromThePattern(_ pattern: String, _ starts: Bool) {
        #expect(LiteralExtractor.startsAtWordBoundary(pattern) == starts)
    }

    /// Each literal of a rule of several patterns has its own lead: a search from where a long lead reaches back
    /// finds earlier matches of the rule first, and still the match through its own literal after them.
    @Test func eachLiteralReachesBackByItsOwnLead() throws {
        let pattern = #"(?i)(?:[,;]\s*)?take (?:\w+ )?(?:ibuprofen|loratadine)\b|\brub in\b"#
        let required = try #require(LiteralExtractor.requiredLiterals(of: pattern, caseless: false))
        let leads = Dictionary(uniqueKeysWithValues: zip(required.literals.map { String(decoding: $0.bytes, as: UTF8.self) }, required.literalLeads))
        #expect(leads["rub in"] == .exactly(0))
        #expect(leads["ibuprofen"]?.bound == nil)  // `\s*` and `\w+` before it
        let patterns = try temporaryDirectory(["p.txt": pattern + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        let texts = ["rub in; take two ibuprofen, then; take loratadine", "take ibuprofen rub in take loratadine rub in",
                     "rub in rub in, take loratadine; take some ibuprofen"]
        for text in texts {
            #expect(prefiltered.rawMatches(in: text) == plain.rawMatches(in: text))
            #expect(plain.rawMatches(in: text).matches.count >= 3)
        }
    }

    /// A whole text with many candidates (they are counted into order by rule rather than sorted): the same
    /// matches as PCRE2 alone, for rules whose literals' leads differ, so that the scan finds a rule's
    /// candidates out of the order of where their leads reach back to.
    @Test func manyCandidatesGiveTheSameMatches() throws {
        let patterns = try temporaryDirectory(["p.txt": """
            (?i)(?:[,;]\\s*)?take (?:\\w+ )?(?:ibuprofen|loratadine)\\b|\\brub in\\b
            (?i)\\b(?:the|a)\\s{1,2}sink\\b|\\bsink(?:s|ing)?\\b
            (?i)\\bx.{0,20}longword\\b|\\babc\\b
            """ + "\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)], normalization: [])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false, normalization: [])
        let pieces = ["rub in; take two ibuprofen, then; take loratadine", "the sink, rub in a  sink", "take ibuprofen rub in take loratadine rub in",
                      "sinking sinks; rub the sink", "rub in rub in, take loratadine; take some ibuprofen",
                      // A match through `longword` starts before the `abc` found before it.
                      "x abc abc longword", "abc x longword abc"]
        var generator = SeededGenerator(state: 5)
        let text = (0..<60).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: " ")
        let expected = plain.rawMatches(in: text)
        #expect(expected.matches.count > 150)
        #expect(prefiltered.rawMatches(in: text) == expected)
    }

    /// What `\\s` matches without UCP.
    static let spaces = [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"]

    @Test(arguments: [
        // pattern, caseless, expected literals, expected lead (-1: unbounded)
        ("大麻", false, ["大麻"], 0),
        ("(?i)\\bhere's how to (?:steal|forge)\\b", false, ["here's how to steal", "here's how to forge"], 0),
        ("(?:求购|卖)\\s*.{0,6}供产主意", false, ["求购", "卖"], 0),
        ("\\d{3}-?\\d{4}", false, [], 0),
        ("[Ss]ell(?:ing)? drugs", false, ["Sell drugs", "sell drugs", "Selling drugs", "selling drugs"], 0),
        ("(?<!不)推荐.{0,4}博彩网站", false, ["推荐"], 0),
        ("\\w+\\s+casino", false, ["casino"], -1),
        ("(?i)\\b(?:how\\s+to\\s+)?kill\\s+time", false, ["how", "kill"].flatMap { word in spaces.map { word + $0 } }, 0),
        ("(?i)a.{0,3}bcdef", false, ["bcdef"], 13),
        ("(?:abc|\\d+)x", false, [], 0),
        ("ab\\1", false, [], 0),
        // Without UCP `\\s` is six ASCII spaces, so a leading word is joined with them.
        ("(?i)\\bto\\s+shut\\s+off", false, spaces.map { "to" + $0 }, 0),
        ("(?:to|in)\\b\\s*stop", false, ["to", "in"].flatMap { word in (spaces + ["stop"]).map { word + $0 } }, 0),
        ("(?:to|x)\\s+stop", false, ["stop"], -1),
    ] as [(String, Bool, [String], Int)])
    func requiredLiterals(_ pattern: String, _ caseless: Bool, _ literals: [String], _ lead: Int) {
        let required = LiteralExtractor.requiredLiterals(of: pattern, caseless: caseless)
        let usable = required.flatMap { $0.shortestLength >= 3 ? $0 : nil }
        #expect(Set(usable?.literals.map { String(decoding: $0.bytes, as: UTF8.self) } ?? []) == Set(literals))
        if let usable { #expect((usable.maximumLead ?? -1) == lead) }
    }

    /// A `{` that opens no repeat count is a literal, however many digits follow it (no overflow).
    @Test func braceBeforeALongNumberIsALiteral() throws {
        let pattern = "bet{" + String(repeating: "1", count: 40) + "{x"
        let required = LiteralExtractor.requiredLiterals(of: pattern, caseless: false)
        #expect(required?.literals.map { String(decoding: $0.bytes, as: UTF8.self) } == [pattern])
        let directory = try temporaryDirectory(["patterns.txt": pattern])
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try RuleSet(sources: [.patternList(directory.appending(path: "patterns.txt"))])
        #expect(rules.scan("a " + pattern + " b").matches.map(\.text) == [pattern])
    }

    /// A lead unbounded only through runs of simple classes reaches back, in a given text, over those runs and
    /// no further.
    @Test func leadReachesBackOverRunsOfItsClasses() throws {
        let required = try #require(LiteralExtractor.requiredLiterals(of: #"\w+\s+casino"#, caseless: false))
        #expect(required.maximumLead == nil)
        Array("one. big  casino".utf8).withUnsafeBufferPointer { text in
            #expect(required.lead.reach(before: 10, in: text, notBefore: 0) == 6)  // " big  ", not "one."
            #expect(required.lead.reach(before: 10, in: text, notBefore: 7) == 3)
        }
        let bounded = try #require(LiteralExtractor.requiredLiterals(of: #"[^.]{0,3}casino"#, caseless: false))
        #expect(bounded.maximumLead == 12)
    }

    /// What starts every match: literals where the pattern begins with known text, the first bytes of a
    /// character class's characters where it begins with one.
    @Test(arguments: [
        // pattern, caseless, leading literals, leading bytes (nil: no selective leading set)
        (#"(?:how to )?kill"#, false, ["how to kill", "kill"], "" as String?),
        (#"[A-Z][a-z]+ party"#, false, [], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        (#"(?:\d+|vote for) voters"#, false, ["vote for"], "0123456789"),
        // The first bytes of CJK characters (U+4E00-U+9FFF: E4-E9), caseless or not.
        (#"[\x{4e00}-\x{9fff}]{2,3}的竞选"#, true, [], "\u{E4}\u{E5}\u{E6}\u{E7}\u{E8}\u{E9}"),
        // A caseless class with letters outside ASCII may match other cases in other bytes; a negated class anything.
        (#"[α-ω]+ party"#, true, [], nil),
        (#"[^.]{0,9}party"#, false, [], nil),
    ] as [(String, Bool, [String], String?)])
    func leadingSet(_ pattern: String, _ caseless: Bool, _ literals: [String], _ bytes: String?) {
        let leading = LiteralExtractor.requiredLiterals(of: pattern, caseless: caseless)?.leading
        #expect(Set(leading?.literals.map { String(decoding: $0.bytes, as: UTF8.self) } ?? []) == Set(literals))
        let expectedBytes = bytes.map { ByteSet($0.unicodeScalars.map { UInt8($0.value) }) }
        #expect(leading?.bytes == expectedBytes)
    }

    /// A leading set knows when a `\b` holds where each of its literals starts: one before them all, or before
    /// each, with nothing but pieces that matched empty in between.
    @Test(arguments: [
        (#"\bkill"#, true),
        (#"kill"#, false),
        (#"\b(?:how to )?kill"#, true),
        (#"(?:how to )?\bkill"#, false),                   // `how to kill` starts where the group does
        (#"[a-z]?\bfoo"#, true),                           // `foo` starts a match only after an empty `[a-z]?`
        (#"(?:\bfoo|\bbar)x"#, true),
        (#"(?:\bfoo|bar)x"#, false),
        (#"foo\b"#, false),
        (#"(?i)\bti[\W_]{0,3}tty\b"#, true),
    ] as [(String, Bool)])
    func leadingLiteralsAtWordBoundary(_ pattern: String, _ atBoundary: Bool) throws {
        let leading = try #require(LiteralExtractor.requiredLiterals(of: pattern, caseless: false)?.leading)
        #expect(!leading.literals.isEmpty)
        #expect(leading.literalsStartAtWordBoundary == atBoundary)
    }

    /// A leading literal that is a whole piece of the pattern knows the first bytes of what can follow it in
    /// a match; one that is not (a prefix of a piece, or the end of the match) may be followed by anything.
    @Test(arguments: [
        // pattern, literal, the bytes that may follow it (nil: any)
        (#"(?i)\bti[\W_]{0,3}tty\b"#, "ti", ByteSet.asciiWordCharacters.inverted.union(ByteSet(Array("_tT".utf8))) as ByteSet?),
        (#"\b(?:post|share) this"#, "post this", nil),           // joined with the word after it, which ends the match
        (#"(?:how to )?kill\d"#, "how to kill", ByteSet(Array("0123456789".utf8))),
        (#"kill\S"#, "kill", ByteSet([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]).inverted),
        (#"kill(?:er)?"#, "kill", nil),                           // the match may end after it
        (#"kill\w*"#, "kill", nil),
    ] as [(String, String, ByteSet?)])
    func leadingLiteralFollowingBytes(_ pattern: String, _ literal: String, _ following: ByteSet?) throws {
        let leading = try #require(LiteralExtractor.requiredLiterals(of: pattern, caseless: false)?.leading)
        let key = try #require(leading.literals.first { String(decoding: $0.bytes, as: UTF8.self) == literal })
        #expect(leading.followingBytes[key] == following)
    }

    /// A start table takes a leading literal's start only where what follows it can continue a match (or is
    /// still to come).
    @Test func leadingLiteralStartsOnlyBeforeWhatCanFollow() throws {
        let leading = try #require(LiteralExtractor.requiredLiterals(of: #"(?i)\bti[\W_]{0,3}tty\b"#, caseless: false)?.leading)
        let table = try #require(StartTable(leading: [leading]))
        func starts(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { table.startingParts(in: $0, from: 0, hasCaseVariants: false) != 0 }
        }
        #expect(!starts("it is time to go"))
        #expect(!starts("a tiny tin"))
        #expect(starts("TI-tty"))
        #expect(starts("a ti tty"))
        #expect(starts("Titty"))
        #expect(starts("a ti"))                                    // what follows is still to come
        #expect(starts("a t"))
    }

    /// Up to ``LeadingSet/maximumLiteralCount`` leading literals stay literals, so that a start table passes over the
    /// words that only share their first bytes with them (a list of pinyin words starts with most letters); past that,
    /// a leading set keeps their first bytes instead.
    @Test func manyLeadingLiteralsBecomeTheirFirstBytesPastTheCap() throws {
        func leading(_ count: Int) throws -> LeadingSet {
            let words = (0..<count).map { "w\($0)x" } + ["zebra"]
            return try #require(LiteralExtractor.requiredLiterals(of: "(?:" + words.joined(separator: "|") + ") end", caseless: false)?.leading)
        }
        let kept = try leading(100)
        #expect(kept.literals.count == 101)
        let table = try #require(StartTable(leading: [kept]))
        func starts(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { table.startingParts(in: $0, from: 0, hasCaseVariants: false) != 0 }
        }
        #expect(!starts("a wide zone, w100x."))
        #expect(starts("a wide zone, w99x."))
        let capped = try leading(LeadingSet.maximumLiteralCount + 6)
        #expect(capped.literals.isEmpty)
        #expect(capped.bytes == ByteSet(Array("wz".utf8)))
    }

    /// A start table tells where the first of the parts it finds may start: no match of them starts before it.
    @Test func startTableTellsWhereTheFirstStartIs() throws {
        let leading = try [#"(?i)\bthis\s+pill"#, "中文", "[0-9]+ mg"].map {
            try #require(LiteralExtractor.requiredLiterals(of: $0, caseless: false)?.leading)
        }
        let table = try #require(StartTable(leading: leading))
        func starts(_ text: String, from start: Int = 0) -> (parts: UInt64, earliest: Int) {
            let starts = Array(text.utf8).withUnsafeBufferPointer { table.starts(in: $0, from: start, hasCaseVariants: false) }
            return (starts.parts, starts.earliest)
        }
        #expect(starts("so THIS pill") == (0b001, 3))
        #expect(starts("thistle and 中文") == (0b010, 12))    // `this` is not followed by a space
        #expect(starts("take 5 mg of this") == (0b101, 5))    // what follows `this` is still to come
        #expect(starts("nothing here") == (0, .max))
        #expect(starts("take 5 mg", from: 6) == (0, .max))
    }

    /// A pattern compiled one alternative per part searches only the parts asked for, and finds what the joined
    /// pattern finds among them: the leftmost match, the earlier alternative at the same start. Bit 63 stands for
    /// part 63 and every later one.
    @Test func searchOfSomePartsOfAPatternCompiledOnePerAlternative() throws {
        let alternatives = (0..<70).map { "w\($0)x" } + ["w1", "w68"]
        let pattern = try PCRE2Pattern(eachOf: alternatives, options: PCRE2CompileOptions())
        let scratch = PCRE2MatchScratch(context: PCRE2MatchContext(limits: SearchLimits()))
        func search(_ text: String, parts: UInt64) -> PCRE2SearchResult {
            Array(text.utf8).withUnsafeBufferPointer { pattern.search($0, from: 0, partial: true, parts: parts, scratch: scratch) }
        }
        let text = "a w68x, then w1x and w5"
        #expect(search(text, parts: .max) == .match(2..<6))                 // `w68x` (part 68) before `w68` (part 71)
        #expect(search(text, parts: 1 << 1 | 1 << 5) == .match(13..<16))    // `w1x`, part 1
        #expect(search(text, parts: 1 << 5) == .partial(start: 21))         // `w5` may go on as `w5x`
        #expect(search(text, parts: 1 << 2 | 1 << 62) == .noMatch)
        #expect(search("w1 w70", parts: 1 << 63) == .match(0..<2))          // `w1`, part 70: after 63
        // Bits past the last part ask for nothing more.
        let few = try PCRE2Pattern(eachOf: ["ab", "b"], options: PCRE2CompileOptions())
        #expect(Array("xab".utf8).withUnsafeBufferPointer { few.search($0, from: 0, partial: false, parts: .max, scratch: scratch) } == .match(1..<3))
    }

    /// A stream searches only the alternatives of a rule that can start a match in the new text: a leading
    /// character or literal there, or the beginning of a literal at the very end.
    @Test func streamSearchesOnlyTheAlternativesThatCanStart() throws {
        let alternatives = [#"\bvote for [A-Z]\w+"#, #"[0-9]+ voters\b"#, #"(?i)tailored messages"#]
        let required = try #require(LiteralExtractor.requiredLiterals(of: PCRE2Pattern.alternation(of: alternatives), caseless: false))
        let starts = try #require(AlternativeStarts(alternatives: alternatives, leading: required.alternativeLeading, options: PCRE2CompileOptions()))
        func parts(_ text: String, from start: Int = 0) -> UInt64 {
            Array(text.utf8).withUnsafeBufferPointer { starts.startingAlternatives(in: $0, from: start, hasCaseVariants: false).parts }
        }
        #expect(parts("our voters agreed") == 0)           // `vo` begins `voters`, not `vote for`
        #expect(parts("send 30 voters") == 0b010)
        #expect(parts("please vote for") == 0b001)
        #expect(parts("please vo") == 0b001)               // `vote for` may be arriving
        #expect(parts("TAILORED by hand, vote for") == 0b001)  // caseless, but not `tailored messages`
        #expect(parts("TAILORED MESSAGES, vote for") == 0b101)
        #expect(parts("TAILORED MESSAGES, vote for", from: 9) == 0b001)
        #expect(parts("…and t") == 0b100)                  // the last byte may begin `tailored`
    }

    /// An alternative with several leading literals is selected where any of them begins, and only there.
    @Test func alternativeWithSeveralLeadingLiterals() throws {
        let alternatives = [#"\b(?:post|share|tweet) this"#, #"\bsources say"#]
        let required = try #require(LiteralExtractor.requiredLiterals(of: PCRE2Pattern.alternation(of: alternatives), caseless: false))
        let starts = try #require(AlternativeStarts(alternatives: alternatives, leading: required.alternativeLeading, options: PCRE2CompileOptions()))
        func parts(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBufferPointer { starts.startingAlternatives(in: $0, from: 0, hasCaseVariants: false).parts }
        }
        #expect(parts("please share this.") == 0b01)
        #expect(parts("please share this") == 0b01)         // `\bsources` does not start after `thi`
        #expect(parts("please share this s") == 0b11)       // but the last `s` may begin it here
        #expect(parts("a shape, a postcard") == 0)          // the literals are `post this`, `share this`, `tweet this`
        #expect(parts("repost this") == 0)                  // `\bpost this` does not start after `re`
        #expect(parts("a shape and a sofa") == 0)           // `sh` and `so` begin other words
        #expect(parts("our sources say, tweet") == 0b11)
        #expect(parts("will you twe") == 0b01)              // `tweet` may be arriving
    }

    /// A rule's own leading starts are a table of one part: a leading literal (caseless here), a literal being
    /// cut off by the end, or the first byte of a leading character.
    @Test func ruleLeadingStartsAreOnePart() throws {
        let leading = LeadingSet(literals: [Literal(bytes: Array("how".utf8), caseless: true)], bytes: ByteSet([0xE4]))
        let table = try #require(StartTable(leading: [leading]))
        func starts(_ text: String, from start: Int = 0, before limit: Int = .max) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { table.startingParts(in: $0, from: start, before: limit, hasCaseVariants: false) != 0 }
        }
        #expect(starts("so HOW"))
        #expect(starts("so HOW", from: 4) == false)        // `OW` begins nothing
        #expect(starts("so HOW", before: 4))
        #expect(starts("so HOW", before: 3) == false)
        #expect(!starts("nothing here"))                   // `h` before `i` and `e`, not `o`
        #expect(starts("it is h"))                         // the last byte may begin `how`
        #expect(starts("it is ho"))
        #expect(!starts("it is hx"))
        #expect(starts("说中文"))                           // 中 begins with E4
        #expect(!starts("说话"))                            // E8 and E8
    }

    /// Where eight bytes remain, leading literals are compared eight bytes at a time: one of eight bytes, a longer
    /// one, and a case-sensitive one, in one bucket (all begin with `th`).
    @Test func leadingLiteralsAreComparedByTheWord() throws {
        let literals = [Literal(bytes: Array("the best".utf8), caseless: true), Literal(bytes: Array("the easiest way".utf8), caseless: true),
                        Literal(bytes: Array("thy".utf8), caseless: false)]
        let table = try #require(StartTable(leading: literals.map { LeadingSet(literals: [$0]) }))
        func parts(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBufferPointer { table.startingParts(in: $0, from: 0, hasCaseVariants: false) }
        }
        #expect(parts("so THE BEST of all") == 0b001)
        #expect(parts("so the easiest way to go") == 0b010)
        #expect(parts("so the easiest wax to go") == 0)    // past the eighth byte it differs
        #expect(parts("so thy will be done") == 0b100)
        #expect(parts("so THY will be done") == 0)         // `thy` is case-sensitive
        #expect(parts("so the bet is off") == 0)
        #expect(parts("so the bes") == 0b001)              // fewer than eight left: `the best` may be arriving
    }

    /// Leading literals of three bytes or more are kept by their first three: Chinese characters that share their
    /// first two bytes (癌 and 白, E7 99) are told apart, and two bytes at the end may still begin a longer literal.
    @Test func leadingLiteralsAreBucketedByThreeBytes() throws {
        let literals = [Literal(bytes: Array("癌症".utf8), caseless: false), Literal(bytes: Array("白癜风".utf8), caseless: false),
                        Literal(bytes: Array("no".utf8), caseless: true), Literal(bytes: Array("word".utf8), caseless: true)]
        let table = try #require(StartTable(leading: literals.map { LeadingSet(literals: [$0]) }))
        func parts(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBufferPointer { table.startingParts(in: $0, from: 0, hasCaseVariants: false) }
        }
        #expect(parts("患了癌症。") == 0b0001)
        #expect(parts("有白癜风") == 0b0010)
        #expect(parts("白天看癌细胞") == 0)               // 白 and 癌, but not 白癜 or 癌症
        #expect(parts("say NO.") == 0b0100)
        #expect(parts("a WO") == 0b1000)                  // `word` may be arriving
        #expect(parts("a wx") == 0)
        #expect(parts("白癜风, no, a word") == 0b1110)
    }

    /// With Unicode properties `\\s` matches more than ASCII spaces, so it does not extend a leading word.
    @Test func unicodeSpacesDoNotExtendALeadingWord() {
        let required = LiteralExtractor.requiredLiterals(of: "\\bto\\s+shut", caseless: false, ucp: true)
        #expect(required?.literals.map { String(decoding: $0.bytes, as: UTF8.self) } == ["shut"])
        #expect(required?.maximumLead == nil)
    }

    /// A stream's tail that begins a literal is found even when shorter literals share its start and
    /// longer ones sort between them.
    @Test func tailThatBeginsALiteralIsFound() {
        let words = ["tell", "tell a story", "tell me what you wear", "TELL ME ABOUT", "telling"]
        let scanner = LiteralScanner(literals: words.map { Literal(bytes: Array($0.lowercased().utf8), caseless: $0 == $0.uppercased()) })
        func continuing(_ text: String) -> [String] {
            var found: [String] = []
            Array(text.utf8).withUnsafeBufferPointer { tail in
                scanner.literalsContinuing(tail, from: 0) { position, literal in found.append("\(position):\(words[literal])") }
            }
            return found.sorted()
        }
        #expect(continuing("so tell m") == ["3:TELL ME ABOUT", "3:tell me what you wear"])
        #expect(continuing("so TELL ME A") == ["3:TELL ME ABOUT"])
        #expect(continuing("so tell") == ["3:tell a story", "3:tell me what you wear", "3:TELL ME ABOUT", "3:telling"].sorted())
        #expect(continuing("so tall") == [])
    }

    /// Every occurrence of every literal from the scan's start, against a comparison at each position: literals
    /// of every key length and bucket, caseless or not, overlapping each other in text of few letters.
    @Test(arguments: [0, 1, 7, 500])
    func scannerFindsEveryOccurrence(from start: Int) {
        let (literals, text) = Self.scannerWorkload(textBytes: 20_000)
        let scanner = LiteralScanner(literals: literals)
        var expected: [[Int]] = []
        for position in start..<text.count {
            for (index, literal) in literals.enumerated() where position + literal.bytes.count <= text.count {
                if literal.matches(text[position..<position + literal.bytes.count]) { expected.append([position, index]) }
            }
        }
        var hits = GrowableBuffer<LiteralScanner.Hit>()
        _ = text.withUnsafeBufferPointer { scanner.scan($0, from: start, into: &hits) }
        #expect(expected.count > 1_000)
        #expect(hits.elements.map { [$0.position, Int($0.literal)] }.sorted { $0.lexicographicallyPrecedes($1) } == expected)
    }

    /// Eight bytes folded at once are each folded as ``Literal/fold(_:)`` folds it, whatever its neighbours.
    @Test func wordFoldsEachByte() {
        var generator = SeededGenerator(state: 4)
        for byte in 0...255 {
            for lane in 0..<8 {
                var bytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
                bytes[lane] = UInt8(byte)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let folded = withUnsafeBytes(of: LiteralScanner.foldASCII(word)) { Array($0) }
                #expect(folded == bytes.map(Literal.fold))
            }
        }
    }

    /// No tail of a scanned text that begins a literal (up to one byte short of it) is longer than the scan
    /// says, whatever the literal's length and case; and the scan rules out some tails.
    @Test(arguments: [0, 5])
    func scanBoundsTheTailsThatBeginALiteral(from start: Int) {
        let (literals, text) = Self.scannerWorkload(textBytes: 2_000)
        let scanner = LiteralScanner(literals: literals)
        var hits = GrowableBuffer<LiteralScanner.Hit>()
        var narrowed = 0
        for end in start + 1...text.count where end == text.count || text[end] & 0xC0 != 0x80 {
            let prefix = Array(text[..<end])
            let summary = prefix.withUnsafeBufferPointer { scanner.scan($0, from: start, into: &hits) }
            hits.removeAll()
            let beginnings: [Int] = (max(start, end - scanner.maximumLength)..<end).filter { position in
                prefix[position] & 0xC0 != 0x80 && literals.contains { literal in
                    literal.bytes.count > end - position && literal.matches(prefix[position..<end], asPrefix: true)
                }
            }
            let longest: Int = beginnings.first.map { end - $0 } ?? 0
            #expect(summary.longestTailBeginningALiteral >= longest, "text of \(end) bytes")
            if summary.longestTailBeginningALiteral < min(end - start, scanner.maximumLength - 1) { narrowed += 1 }
        }
        #expect(narrowed > 100)
    }

    /// The tails of a text that begin a literal are found wherever the text ends, short or longer than a scanner
    /// key, each with a literal it begins; no other tail is reported, nor one that begins only literals that start
    /// at a word boundary where the text has none.
    @Test(arguments: [0, 5])
    func tailPrefixTableFindsTheTailsThatBeginALiteral(from start: Int) {
        let (literals, text) = Self.scannerWorkload(textBytes: 1_500)
        let folded = literals.map { $0.bytes.map(Literal.fold) }
        let startsAtBoundary = literals.indices.map { $0 % 3 == 0 }
        let table = TailPrefixTable(literals: literals.indices.map { (literals[$0].bytes, Int32($0), startsAtBoundary[$0]) })
        defer { table.free() }
        let longest = folded.map(\.count).max()!
        var longTails = 0
        for end in start + 1...text.count where end == text.count || text[end] & 0xC0 != 0x80 {
            let foldedText = text[..<end].map(Literal.fold)
            let expected = (max(start, end - longest + 1)..<end).filter { position in
                let isBoundary = position == 0 || Self.isASCIIWordByte(text[position - 1]) != Self.isASCIIWordByte(text[position])
                return text[position] & 0xC0 != 0x80 && folded.indices.contains { index in
                    folded[index].count > end - position && folded[index].starts(with: foldedText[position..<end])
                        && (isBoundary || !startsAtBoundary[index])
                }
            }
            var found: [Int] = []
            text[..<end].withUnsafeBufferPointer { prefix in
                table.forEachTailPrefix(in: prefix, from: start) { position, value in
                    found.append(position)
                    let literal = folded[Int(value)]
                    #expect(literal.count > end - position && literal.starts(with: foldedText[position..<end]), "tail at \(position) of \(end)")
                }
            }
            #expect(found == expected.reversed(), "text of \(end) bytes")
            longTails += expected.filter { end - $0 > 8 }.count
        }
        #expect(longTails > 50)
    }

    /// `\w` without Unicode properties.
    private static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// Literals of every key length and bucket, caseless or not, and a text of their letters in which they
    /// overlap each other.
    private static func scannerWorkload(textBytes: Int) -> (literals: [Literal], text: [UInt8]) {
        let words = WordListTests.words(400, of: "abcAB中", lengths: 1...12, seed: 5).filter { $0.utf8.count >= 3 }
        let literals = words.enumerated().map { index, word in
            index % 3 == 0 ? Literal(bytes: Array(word.lowercased().utf8), caseless: true) : Literal(bytes: Array(word.utf8), caseless: false)
        }
        var generator = SeededGenerator(state: 11)
        var text: [UInt8] = []
        while text.count < textBytes {
            let piece = Bool.random(using: &generator) ? words.randomElement(using: &generator)! : String("abcAB中 ".randomElement(using: &generator)!)
            text += Array((Bool.random(using: &generator) ? piece.uppercased() : piece).utf8)
        }
        return (literals, text)
    }

    @Test func keywordsAreSettledByTheScannerWithWordBoundaries() throws {
        let patterns = try temporaryDirectory(["p.txt": "# comment\n(?i)\\bass\\b\n博彩网站\n\\bpass\n"])
        defer { try? FileManager.default.removeItem(at: patterns) }
        let file = patterns.appending(path: "p.txt")
        let prefiltered = try RuleSet(sources: [.patternList(file)])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false)
        #expect(prefiltered.rules.map(\.id) == ["p.txt:0", "p.txt:1", "p.txt:2"])
        #expect(prefiltered.rules.allSatisfy { $0.category == PolicyCategory.patternListCategory && $0.action == .flag })
        for text in ["ass class ASS pass_ass bypass passing 博彩网站博彩网站", "ass", "xass", "a pass"] {
            #expect(prefiltered.rawMatches(in: text) == plain.rawMatches(in: text))
        }
        #expect(prefiltered.rawMatches(in: "ass class ASS").matches.map(\.start) == [0, 10])
    }

    // MARK: - The shared benchmark data, when this checkout has it beside it

    static let benchDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "shared/bench")
    static var hasBenchData: Bool { FileManager.default.fileExists(atPath: benchDirectory.appending(path: "patterns-1000.txt").path) }

    /// Slices of both benchmark corpora, with every pattern's sample planted, give the same raw matches.
    @Test(.enabled(if: hasBenchData, "needs ../shared/bench beside the checkout"), arguments: ["patterns-100.txt", "patterns-1000.txt"])
    func benchmarkPatternsFindTheSameRawMatches(_ name: String) throws {
        let file = Self.benchDirectory.appending(path: name)
        let prefiltered = try RuleSet(sources: [.patternList(file)])
        let plain = try RuleSet(sources: [.patternList(file)], usesPrefilter: false)
        let samples = try String(contentsOf: file.deletingPathExtension().appendingPathExtension("samples"), encoding: .utf8)
        for corpus in ["corpus-rare.txt", "corpus-dense.txt"] {
            let handle = try FileHandle(forReadingFrom: Self.benchDirectory.appending(path: corpus))
            let slice = try handle.read(upToCount: 200_000) ?? Data()
            try handle.close()
            let text = String(decoding: slice, as: UTF8.self) + "\n" + samples
            let expected = plain.rawMatches(in: text)
            #expect(expected.matches.count > 50)
            #expect(prefiltered.rawMatches(in: text) == expected)
        }
    }
}

private extension Literal {
    /// Whether `bytes` are this literal (or, `asPrefix`, its beginning), ASCII letters folded when it is caseless.
    func matches(_ bytes: ArraySlice<UInt8>, asPrefix: Bool = false) -> Bool {
        let text = caseless ? bytes.map(Literal.fold) : Array(bytes)
        return asPrefix ? self.bytes.starts(with: text) : text == self.bytes
    }
}
