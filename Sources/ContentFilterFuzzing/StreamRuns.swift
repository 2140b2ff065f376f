public import ContentFilter

/// A deterministic random number generator (SplitMix64), so that a cutting can be replayed from its seed.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cuts `bytes` into random chunks: sizes from 0 (empty chunks) up to 24 bytes, often 1, cutting anywhere,
/// inside multi-byte characters too.
public func randomCutting(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [ArraySlice<UInt8>] {
    var chunks: [ArraySlice<UInt8>] = []
    var index = 0
    while index < bytes.count {
        let size = switch Int.random(in: 0..<10, using: &generator) {
        case 0: 0
        case 1...4: 1
        default: Int.random(in: 2...24, using: &generator)
        }
        let end = min(bytes.count, index + size)
        chunks.append(bytes[index..<end])
        index = end
    }
    return chunks
}

/// Cuts `bytes` into chunks of `size` bytes (the last one shorter), cutting anywhere, inside multi-byte
/// characters too.
public func evenCutting(_ bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
    stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
}

/// Runs a whole stream through a new filter, one chunk at a time; `afterEachFeed` sees everything released
/// so far and how many bytes the filter holds back.
public func filterStream(
    _ chunks: some Sequence<some Collection<UInt8>>,
    rules: RuleSet,
    configuration: FilterConfiguration = .plain,
    afterEachFeed: (_ released: [UInt8], _ heldBack: Int) -> Void = { _, _ in }
) -> FilterOutput {
    let filter = StreamFilter(rules: rules, configuration: configuration)
    var output = FilterOutput()
    for chunk in chunks {
        filter.feed(chunk, into: &output)
        afterEachFeed(output.bytes, filter.heldBackByteCount)
    }
    filter.finish(into: &output)
    return output
}

extension FilterConfiguration {
    /// No disclosure, English injected text: the output is the input with masks, refusals and disclaimers.
    public static var plain: FilterConfiguration {
        var configuration = FilterConfiguration()
        configuration.disclosurePosition = nil
        configuration.language = .en
        return configuration
    }
}

extension FilterOutput {
    /// The output with `held_back` taken out of the events: how much was held back when an event happened
    /// depends on where the chunks were cut, everything else must not.
    public var chunkingInvariantPart: FilterOutput {
        var copy = self
        for index in copy.events.indices { copy.events[index].heldBack = nil }
        return copy
    }
}

extension RuleSet {
    /// The shipped rules with every rule's pattern run over the whole text: the matches the prefilter must
    /// reproduce.
    public static let shippedWithoutPrefilter: RuleSet = {
        do { return try RuleSet(sources: [.shipped], usesPrefilter: false) } catch { preconditionFailure("\(error)") }
    }()
}
