/// One category of the usage policy (`POLICY.md`): a stable id used by rules, configuration and events,
/// its names, and the action its rules take unless a rule says otherwise.
public struct PolicyCategory: Sendable, Hashable {
    /// The stable id, e.g. `gambling`.
    public let id: String
    /// The category's name in the Chinese policy text.
    public let chineseName: String
    /// A short English name.
    public let englishName: String
    /// The action of the category's rules unless a rule sets its own.
    public let defaultAction: FilterAction

    /// What a stream does by default when a match of this category cannot be decided within its bounds:
    /// categories that block fail closed, the others fail open.
    public var defaultOverflowPolicy: OverflowPolicy {
        defaultAction == .block ? .failClosed : .failOpen
    }

    /// Every category of the policy, in the policy's order.
    public static let all: [PolicyCategory] = [
        PolicyCategory(id: "illegal", chineseName: "非法活动", englishName: "Illegal activity", defaultAction: .block),
        PolicyCategory(id: "csam", chineseName: "儿童性虐待材料或任何剥削或伤害儿童的内容", englishName: "Child sexual abuse material or child exploitation", defaultAction: .block),
        PolicyCategory(id: "hate", chineseName: "基于身份表达、煽动或宣扬仇恨的内容", englishName: "Hateful content", defaultAction: .block),
        PolicyCategory(id: "harassment", chineseName: "意图骚扰、威胁或欺凌个人的内容", englishName: "Harassment, threats or bullying", defaultAction: .block),
        PolicyCategory(id: "violence", chineseName: "宣扬或美化暴力或歌颂他人遭受痛苦或羞辱的内容", englishName: "Violence", defaultAction: .block),
        PolicyCategory(id: "malware", chineseName: "恶意软件的生成", englishName: "Malware generation", defaultAction: .block),
        PolicyCategory(id: "weapons", chineseName: "武器开发", englishName: "Weapons development", defaultAction: .block),
        PolicyCategory(id: "military", chineseName: "军事和战争", englishName: "Military and warfare", defaultAction: .block),
        PolicyCategory(id: "critical_infrastructure", chineseName: "能源、交通和水等关键基础设施的管理或运营", englishName: "Critical infrastructure", defaultAction: .block),
        PolicyCategory(id: "self_harm", chineseName: "宣扬、鼓励或描绘自残行为（例如自杀、割伤和饮食失调）", englishName: "Self-harm", defaultAction: .block),
        PolicyCategory(id: "mlm", chineseName: "多层次营销", englishName: "Multi-level marketing", defaultAction: .block),
        PolicyCategory(id: "gambling", chineseName: "赌博", englishName: "Gambling", defaultAction: .block),
        PolicyCategory(id: "payday", chineseName: "发薪日贷款", englishName: "Payday lending", defaultAction: .block),
        PolicyCategory(id: "eligibility", chineseName: "自动确定信贷、就业、教育机构或公共援助服务的资格", englishName: "Automated eligibility decisions", defaultAction: .flag),
        PolicyCategory(id: "scam", chineseName: "诈骗", englishName: "Scams and fraud", defaultAction: .block),
        PolicyCategory(id: "inauthentic_behavior", chineseName: "协调的不真实行为", englishName: "Coordinated inauthentic behaviour", defaultAction: .block),
        PolicyCategory(id: "plagiarism", chineseName: "剽窃", englishName: "Plagiarism", defaultAction: .flag),
        PolicyCategory(id: "academic_dishonesty", chineseName: "学术不诚实", englishName: "Academic dishonesty", defaultAction: .block),
        PolicyCategory(id: "astroturfing", chineseName: "人造草皮，例如虚假的草根支持或虚假的评论生成", englishName: "Astroturfing and fake reviews", defaultAction: .block),
        PolicyCategory(id: "disinformation", chineseName: "假信息", englishName: "Disinformation", defaultAction: .flag),
        PolicyCategory(id: "spam", chineseName: "垃圾邮件", englishName: "Spam", defaultAction: .redact),
        PolicyCategory(id: "pseudo_pharma", chineseName: "伪制药", englishName: "Pseudo-pharmaceuticals", defaultAction: .block),
        PolicyCategory(id: "adult", chineseName: "旨在引起性兴奋的内容、色情聊天、色情", englishName: "Adult content", defaultAction: .block),
        PolicyCategory(id: "political_campaigning", chineseName: "政治竞选或游说", englishName: "Political campaigning or lobbying", defaultAction: .block),
        PolicyCategory(id: "privacy", chineseName: "侵犯他人隐私的活动", englishName: "Privacy violations and personal data", defaultAction: .redact),
        PolicyCategory(id: "legal_advice", chineseName: "未经授权的法律实践 / 量身定制的法律建议", englishName: "Tailored legal advice", defaultAction: .disclaim),
        PolicyCategory(id: "financial_advice", chineseName: "量身定制的财务建议", englishName: "Tailored financial advice", defaultAction: .disclaim),
        PolicyCategory(id: "medical_advice", chineseName: "告诉某人他们有或没有某种健康状况，或提供有关如何治愈或治疗健康状况的说明", englishName: "Medical diagnosis or treatment", defaultAction: .disclaim),
        PolicyCategory(id: "life_threatening", chineseName: "分类或管理需要立即关注的危及生命的问题", englishName: "Life-threatening emergencies", defaultAction: .disclaim),
        PolicyCategory(id: "gov_decision", chineseName: "高风险政府决策：执法和刑事司法、移徙和庇护", englishName: "High-risk government decisions", defaultAction: .flag),
        PolicyCategory(id: "news", chineseName: "新闻生成或新闻摘要", englishName: "News generation or summaries", defaultAction: .disclaim),
    ]

    private static let byID: [String: PolicyCategory] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The category with this id, or `nil` if the policy has none.
    public static func named(_ id: String) -> PolicyCategory? { byID[id] }

    /// The category of rules read from a plain pattern list (``RuleSource/patternList(_:)``): not a policy
    /// category; such rules only flag.
    public static let patternListCategory = "pattern_list"
}
