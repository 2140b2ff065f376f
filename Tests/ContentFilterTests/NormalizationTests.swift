@testable import ContentFilter
import ContentFilterFuzzing
import Foundation
import Testing

/// The text normaliser: what each step folds, what it leaves alone, and the offsets back to the original.
@Suite struct NormalizationTests {
    static func view(_ text: String, _ steps: Normalization = .all) -> String {
        var text = text
        return text.withUTF8 { String(decoding: TextNormalizer.normalize($0, steps: steps).view, as: UTF8.self) }
    }

    @Test(arguments: [
        ("ｓｅｘ ＳＥＸ", "sex SEX"),
        ("ⓢⓔⓧ 𝐬𝐞𝐱 ｐｏｒｎ１２３", "sex sex porn123"),
        ("s\u{200B}e\u{200C}x\u{FEFF} se\u{00AD}x", "sex sex"),
        ("賭博，發財\n麵條", "赌博，发财\n面条"),
        ("ѕех ΡΟRΝ", "sex PORN"),
        ("赌 博，赌.博，赌·博，赌😀博，赌 . 博", "赌博，赌博，赌博，赌博，赌博"),
        ("s e x, f.u.c.k and x-y-z", "sex, fuck and xyz"),
        ("我们 他们 a b c", "我们他们 abc"),
        ("ｓ ｅ ｘ", "sex"),
        ("s3x p0rn sh1t h4x0r 5ex b00bs", "sex porn shit haxor sex boobs"),
    ])
    func foldsEvasions(_ text: String, _ expected: String) {
        #expect(Self.view(text) == expected)
    }

    @Test(arguments: [
        "赌，博。大麻！好吗？“赌”博",                 // Chinese sentence punctuation is not noise
        "I am here. Plan a b, then c",            // words and short runs of single letters stay apart
        "赌    博",                                 // more than three noise characters
        "s   e   x",                               // more than two between letters
        "line\nbreak 赌\n博",
        "déjà vu, naïve café",                     // letters with marks are letters of their own
        "full-width punctuation stays：，！",
        "mp3 h264 x86 1st 2nd 3rd 4th 5G 3D ipv4 win10 2024 3.14",  // digits that are not leetspeak
    ])
    func leavesOrdinaryTextAlone(_ text: String) {
        #expect(Self.view(text) == text)
    }

    @Test func eachStepCanBeTurnedOff() {
        let text = "ｓｅｘ s\u{200B}ex 賭博 ѕех 赌 博"
        #expect(Self.view(text, Normalization.all.subtracting(.width)) == "ｓｅｘ sex 赌博 sex 赌博")
        #expect(Self.view(text, Normalization.all.subtracting(.invisible)) == "sex s\u{200B}ex 赌博 sex 赌博")
        #expect(Self.view(text, Normalization.all.subtracting(.traditional)) == "sex sex 賭博 sex 赌博")
        #expect(Self.view(text, Normalization.all.subtracting(.lookAlikes)) == "sex sex 赌博 ѕех 赌博")
        #expect(Self.view(text, Normalization.all.subtracting(.noise)) == "sex sex 赌博 sex 赌 博")
        #expect(Self.view(text, []) == text)
    }

    /// Every view span maps to the original characters it came from, and the view of any cutting of the
    /// text into chunks is the view of the whole.
    @Test(arguments: [
        "ｓｅｘ and s\u{200B}e\u{200B}x, 赌 . 博 ⓢⓔⓧ!",
        "f.u.c.k 賭博 ΡΟRΝ ﬁne ⑩ 𝐬𝐞𝐱\u{FE0F}😀 s e x",
        "plain text with nothing to fold, 中文也没有。",
        "赌     博, 赌   博, s  e  x, a b, 賭 博 ａ ｂ ｃ",
    ])
    func offsetsAndChunkingAgree(_ text: String) {
        let original = Array(text.utf8)
        let (whole, offsets) = original.withUnsafeBufferPointer { TextNormalizer.normalize($0, steps: .all) }
        // Each view character maps to whole original characters whose own view is that character.
        var start = 0
        while start < whole.count {
            var end = start + 1
            while end < whole.count && whole[end] & 0xC0 == 0x80 { end += 1 }
            let from = offsets.originalStart(ofView: start), to = offsets.originalEnd(ofView: end)
            #expect(from < to && to <= original.count)
            let source = Array(original[from..<to])
            let sourceView = source.withUnsafeBufferPointer { TextNormalizer.normalize($0, steps: .all).view }
            #expect(String(decoding: whole[start..<end], as: UTF8.self).unicodeScalars.allSatisfy {
                String(decoding: sourceView, as: UTF8.self).unicodeScalars.contains($0)
            })
            #expect(offsets.view(ofOriginal: from) <= start)
            start = end
        }
        var generator = SeededGenerator(state: UInt64(original.count))
        for _ in 0..<200 {
            var normalizer = TextNormalizer(steps: .all)
            var view: [UInt8] = []
            var chunkOffsets = ViewOffsets()
            var index = 0
            while index < original.count {
                var end = min(original.count, index + Int.random(in: 1...6, using: &generator))
                while end < original.count && original[end] & 0xC0 == 0x80 { end += 1 }
                original[index..<end].withUnsafeBufferPointer { normalizer.append($0, into: &view, offsets: &chunkOffsets) }
                index = end
            }
            normalizer.finish(into: &view, offsets: &chunkOffsets)
            #expect(view == whole)
            #expect(chunkOffsets.segments == offsets.segments)
        }
    }

    /// Random texts built from the pieces noise skipping and the folds decide on: read one character at a
    /// time (every decision made step by step) and read whole (where runs of plain text are taken in
    /// bulk), the view and its offsets are the same.
    /// A character replaced by several (Ǌ reads NJ, at the same length) maps as a whole: a match of part of it
    /// covers all of it.
    @Test func characterReplacedBySeveralMapsAsAWhole() throws {
        let (view, offsets) = Array("xǊy".utf8).withUnsafeBufferPointer { TextNormalizer.normalize($0, steps: .all) }
        #expect(String(decoding: view, as: UTF8.self) == "xNJy")
        #expect(offsets.originalStart(ofView: 2) == 1)
        #expect(offsets.originalEnd(ofView: 2) == 3)
        let directory = try temporaryDirectory(["patterns.txt": "J"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try RuleSet(sources: [.patternList(directory.appending(path: "patterns.txt"))])
        #expect(rules.scan("xǊy").matches.map { [$0.text, "\($0.start)", "\($0.end)"] } == [["Ǌ", "1", "3"]])
    }

    /// Invisible characters read while others wait for what follows wait too, and count towards the most
    /// that may wait: a long run of them decides the wait as if the text ended.
    @Test func longInvisibleRunEndsAWait() {
        let short = String(repeating: "\u{200B}", count: 10), long = String(repeating: "\u{200B}", count: 20)
        #expect(TextNormalizer.normalize("赌 \(short)博", steps: .all) == "赌博")
        #expect(TextNormalizer.normalize("赌 \(long)博", steps: .all) == "赌 博")
    }

    @Test func bulkAndStepByStepReadingAgree() {
        let pieces = ["words and", "s3x", "1st", "mp3", "4", "0", "a", "I", "s", "e", "x", "ex", "word", "x1", "don't", " ", "  ", ".", "-", ",", "\n", "'", "赌", "博", "。",
                      "ｓ", "\u{200B}", "賭", "😀", "ѕ", "Ⓢ", "abc def"]
        var generator = SeededGenerator(state: 42)
        let invisibles = String(repeating: "\u{200B}", count: 20)
        let fixed = ["h4x0r b00bs 5ex 4th", "words and a b c", "so then x y z.", "longer words s e x", "abcdefgh I a m", "plain text, 赌 博 and s.e.x",
                     "赌 \(invisibles)博", "s3\(invisibles)x", "a s\(invisibles) e x"]
        let random = (0..<2000).map { _ in
            (0..<Int.random(in: 1...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
        for text in fixed + random {
            let original = Array(text.utf8)
            let whole = original.withUnsafeBufferPointer { TextNormalizer.normalize($0, steps: .all) }
            var normalizer = TextNormalizer(steps: .all)
            var view: [UInt8] = []
            var offsets = ViewOffsets()
            var index = 0
            var settledBeyondTheView: Int?
            while index < original.count {
                var end = index + 1
                while end < original.count && original[end] & 0xC0 == 0x80 { end += 1 }
                original[index..<end].withUnsafeBufferPointer { normalizer.append($0, into: &view, offsets: &offsets) }
                // Everything before the settled offset is in the view (a stream searches the view up to it).
                if offsets.view(ofOriginal: normalizer.settledOriginal) > view.count { settledBeyondTheView = end }
                index = end
            }
            normalizer.finish(into: &view, offsets: &offsets)
            #expect(settledBeyondTheView == nil, "\(text.debugDescription)")
            #expect(view == whole.view, "\(text.debugDescription)")
            #expect(offsets.segments == whole.offsets.segments, "\(text.debugDescription)")
        }
    }
}
