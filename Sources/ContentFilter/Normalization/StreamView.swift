/// The normalised view of a stream's text, built as the text arrives: what the rules of a normalising
/// rule set search. Offsets are absolute: view offsets from the start of the view, original offsets from
/// the start of the (repaired) text.
struct StreamView {
    private var normalizer: TextNormalizer
    /// View bytes from ``start`` on.
    private(set) var bytes: [UInt8] = []
    /// The view offset of `bytes[0]`.
    private(set) var start = 0
    private(set) var offsets = ViewOffsets()

    init(steps: Normalization) { normalizer = TextNormalizer(steps: steps) }

    /// Normalises the next text (valid UTF-8, whole characters).
    mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
        normalizer.append(text, into: &bytes, offsets: &offsets)
    }

    /// Ends the text: what was pending for want of the next character is decided.
    mutating func finish() {
        normalizer.finish(into: &bytes, offsets: &offsets)
    }

    /// The original offset up to which the view is complete: the text after it waits for what follows.
    var settledOriginal: Int { normalizer.settledOriginal }

    /// The view offset where original offset `original` (a character boundary) begins in the view.
    func viewOffset(ofOriginal original: Int) -> Int { offsets.view(ofOriginal: original) }

    /// Forgets the view of the text before original offset `original`.
    mutating func discard(beforeOriginal original: Int) {
        let keepFrom = min(viewOffset(ofOriginal: original), start + bytes.count)
        guard keepFrom > start else { return }
        bytes.removeFirst(keepFrom - start)
        start = keepFrom
        offsets.discard(beforeView: keepFrom)
    }
}
