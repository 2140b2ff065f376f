internal import ContentFilter

/// A fuzz target: turns a fuzzer's input into a case, deterministically, and checks the library's promises
/// on it.
///
/// The same checks run under libFuzzer (`scripts/fuzz`, where a failure is a crash) and in the test suite,
/// which replays every input committed under `Tests/FuzzCorpus/<target>/`.
///
/// Usage:
/// ```swift
/// try FuzzTarget.stream.check(Array("电话13800138000".utf8))   // throws FuzzFailure if a promise is broken
/// ```
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The input is a YAML rule file: loading it reports problems or gives a rule set whose scans of the
    /// rules' own examples pass ``scanner``'s checks; it never crashes or hangs.
    case ruleLoader = "rule-loader"
    /// The input is a text (any bytes): the shipped rules' matches lie on its characters, do not overlap,
    /// agree between byte and `String` scans, and with the scan that runs every rule without the prefilter.
    case scanner
    /// The input is a configuration byte, eight bytes that seed the cuttings, and a text: the stream filter
    /// with the shipped rules releases the same for random cuttings as for one chunk, and exactly the text
    /// its events leave (nothing of a blocked or redacted match, nothing else lost), and holds back no more
    /// than the cap allows.
    case stream

    /// Checks the case `input` decodes to.
    /// - Throws: ``FuzzFailure`` describing the broken promise.
    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .ruleLoader: try RuleLoaderOracle.check(ruleFile: input)
        case .scanner: try ScannerOracle.check(text: input, rules: .shipped)
        case .stream: try StreamOracle.check(input)
        }
    }
}

/// A promise a fuzz target found broken, with what it takes to see it again.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
