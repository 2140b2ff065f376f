internal import Yams

/// A configuration file that could not be read: every problem found, with file and line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let problems: [RuleProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension FilterConfiguration {
    private static let keys = [
        "language", "fallback_language", "disclosure", "persona", "persona_label", "mask", "max_hold_back", "dry_run",
        "events_include_text", "refusal", "generic_disclaimer", "categories",
    ]
    private static let disclosureKeys = ["position", "text"]
    private static let categoryKeys = ["action", "overflow", "refusal", "disclaimer"]

    /// Reads a configuration file (YAML); keys left out keep their defaults.
    ///
    /// ```yaml
    /// language: auto                 # zh | en | auto
    /// disclosure: { position: start, text: { zh: "…", en: "…" } }   # position: start | end | none
    /// persona: 李白
    /// mask: { zh: "[已屏蔽]", en: "[redacted]" }   # or one string for both
    /// max_hold_back: 256
    /// categories:
    ///   gambling: { action: flag, overflow: fail_open }
    ///   medical_advice: { disclaimer: { zh: "…", en: "…" } }
    /// ```
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the file's name, for problems.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public init(yaml: String, file: String) throws(ConfigurationError) {
        self.init()
        var reader = YAMLReader(file: file)
        if let root = reader.compose(yaml), let mapping = reader.mapping(root, key: "the configuration") {
            read(mapping, with: &reader)
        }
        guard !reader.hasErrors(since: 0) else { throw ConfigurationError(problems: reader.problems) }
    }

    private mutating func read(_ mapping: Node.Mapping, with reader: inout YAMLReader) {
        reader.checkKeys(of: mapping, allowed: Self.keys)
        if let node = mapping["language"], let value = reader.choice(node, key: "language", as: LanguageSetting.self) { language = value }
        if let node = mapping["fallback_language"], let value = reader.choice(node, key: "fallback_language", as: ResponseLanguage.self) {
            fallbackLanguage = value
        }
        if let node = mapping["disclosure"], let disclosure = reader.mapping(node, key: "disclosure") {
            reader.checkKeys(of: disclosure, allowed: Self.disclosureKeys)
            if let node = disclosure["position"], let value = reader.string(node, key: "disclosure.position") {
                if value == "none" {
                    disclosurePosition = nil
                } else if let position = DisclosurePosition(rawValue: value) {
                    disclosurePosition = position
                } else {
                    reader.report(.error, at: node, "unknown disclosure.position `\(value)`", hint: "one of: start, end, none")
                }
            }
            if let node = disclosure["text"], let text = Self.localizedText(node, key: "disclosure.text", with: &reader) {
                texts.disclosure = text
            }
        }
        if let node = mapping["persona"] { persona = reader.string(node, key: "persona") }
        if let node = mapping["persona_label"], let text = Self.localizedText(node, key: "persona_label", with: &reader) {
            texts.personaLabel = text
        }
        if let node = mapping["mask"], let text = Self.localizedText(node, key: "mask", with: &reader) { texts.mask = text }
        if let node = mapping["refusal"], let text = Self.localizedText(node, key: "refusal", with: &reader) { texts.refusal = text }
        if let node = mapping["generic_disclaimer"], let text = Self.localizedText(node, key: "generic_disclaimer", with: &reader) {
            texts.genericDisclaimer = text
        }
        if let node = mapping["max_hold_back"], let value = reader.integer(node, key: "max_hold_back", in: 4...1 << 24) { maximumHoldBack = value }
        if let node = mapping["dry_run"], let value = reader.bool(node, key: "dry_run") { dryRun = value }
        if let node = mapping["events_include_text"], let value = reader.bool(node, key: "events_include_text") { eventsIncludeText = value }
        if let node = mapping["categories"], let categories = reader.mapping(node, key: "categories") {
            for (key, value) in categories {
                guard let id = reader.string(key, key: "categories") else { continue }
                guard PolicyCategory.named(id) != nil else {
                    reader.report(.error, at: key, "unknown category `\(id)`", hint: YAMLReader.suggestion(for: id, among: PolicyCategory.all.map(\.id)))
                    continue
                }
                guard let settings = reader.mapping(value, key: "categories.\(id)") else { continue }
                reader.checkKeys(of: settings, allowed: Self.categoryKeys)
                if let node = settings["action"], let action = reader.choice(node, key: "action", as: FilterAction.self) {
                    if action == .allow {
                        reader.report(.error, at: node, "a category cannot be set to `allow`", hint: "use `flag` to let its text through and keep a record")
                    } else {
                        categoryActions[id] = action
                    }
                }
                if let node = settings["overflow"], let policy = reader.choice(node, key: "overflow", as: OverflowPolicy.self) {
                    overflowPolicies[id] = policy
                }
                if let node = settings["refusal"], let text = Self.localizedText(node, key: "categories.\(id).refusal", with: &reader) {
                    texts.refusals[id] = text
                }
                if let node = settings["disclaimer"], let text = Self.localizedText(node, key: "categories.\(id).disclaimer", with: &reader) {
                    texts.disclaimers[id] = text
                }
            }
        }
    }

    /// `{ zh: …, en: … }`, or one string for both languages.
    private static func localizedText(_ node: Node, key: String, with reader: inout YAMLReader) -> LocalizedText? {
        if let scalar = node.scalar { return LocalizedText(zh: scalar.string, en: scalar.string) }
        guard let mapping = reader.mapping(node, key: key, hint: "write `{ zh: \"…\", en: \"…\" }` or one string") else { return nil }
        reader.checkKeys(of: mapping, allowed: ["zh", "en"])
        guard let zh = mapping["zh"].flatMap({ reader.string($0, key: "\(key).zh") }),
              let en = mapping["en"].flatMap({ reader.string($0, key: "\(key).en") })
        else {
            reader.report(.error, at: node, "`\(key)` needs both `zh` and `en`")
            return nil
        }
        return LocalizedText(zh: zh, en: en)
    }
}
