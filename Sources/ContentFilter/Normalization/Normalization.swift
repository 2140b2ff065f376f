/// The steps that fold evasive spellings before rules match: the text a rule sees is the normalised
/// text, and every span the filter reports, masks or blocks is the span of the original text.
///
/// Every step is on by default. A rule set turns steps off for all its rules
/// (``RuleSet/init(sources:limits:usesPrefilter:normalization:)``), and a rule for itself (`normalize: {off: […],
/// reason: …}` in its file).
public struct Normalization: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Full-width, circled, styled and other compatibility forms of letters and digits become the
    /// letters and digits (Unicode NFKC, through utf8proc): `ｓｅｘ`, `ⓢⓔⓧ`, `𝐬𝐞𝐱` read `sex`.
    /// Punctuation keeps its form, so rules can tell `，` from `,`.
    public static let width = Normalization(rawValue: 1 << 0)
    /// Patterns match letters in every case (PCRE2's caseless matching, which folds case in all scripts).
    public static let `case` = Normalization(rawValue: 1 << 1)
    /// Zero-width spaces and joiners, word joiners, soft hyphens, byte-order marks, variation selectors and
    /// bidirectional controls are dropped.
    public static let invisible = Normalization(rawValue: 1 << 2)
    /// Up to three spaces, punctuation marks, symbols or emoji between two Chinese characters are skipped
    /// (`赌 博`, `赌.博`), and up to two between single letters spelling a word of three or more (`s e x`,
    /// `f.u.c.k`). Sentence punctuation (`，。！？` and the like, and `,;:!?"()`) and line breaks are never
    /// skipped.
    public static let noise = Normalization(rawValue: 1 << 3)
    /// Traditional Chinese characters become simplified ones (OpenCC's character table): `賭博` reads `赌博`.
    public static let traditional = Normalization(rawValue: 1 << 4)
    /// Letters of other scripts that look like Latin letters (Cyrillic `ѕ`, Greek `ο`, and the like) become
    /// those letters (Unicode's confusables data).
    public static let lookAlikes = Normalization(rawValue: 1 << 5)

    /// Leetspeak digits inside Latin words read as the letters they stand for: `0` o, `1` i, `3` e, `4` a,
    /// `5` s, `7` t, between two letters (`s3x`, `p0rn`) or starting a word of two letters or more (`5ex`,
    /// not `1st`). Digits at the end of a word (`mp3`) and words with other digits (`h264`) keep them.
    public static let leet = Normalization(rawValue: 1 << 6)

    /// Every step: the default.
    public static let all: Normalization = [.width, .case, .invisible, .noise, .traditional, .lookAlikes, .leet]

    /// Each step by the name rule files and the command line use.
    public static let stepsByName: [(name: String, step: Normalization)] = [
        ("width", .width), ("case", .case), ("invisible", .invisible), ("noise", .noise),
        ("traditional", .traditional), ("lookalikes", .lookAlikes), ("leet", .leet),
    ]

    /// The step called `name`, if there is one.
    public static func step(named name: String) -> Normalization? {
        stepsByName.first { $0.name == name }?.step
    }

    /// The names of the steps in this set, in ``stepsByName`` order.
    public var names: [String] { Self.stepsByName.filter { contains($0.step) }.map(\.name) }

    /// The steps that change the text itself (all but ``case``, which changes how patterns match).
    var textSteps: Normalization { subtracting(.case) }
}
