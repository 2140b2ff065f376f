/// Maps offsets in a normalised text (the *view*) to offsets in the text it was made from, and back.
///
/// Both texts are valid UTF-8. Where the normaliser kept a character's length (as it does for most text,
/// and for traditional characters and their simplified forms) the offsets run in step; the map records a
/// segment only where it dropped characters or replaced them with one of another length, so mapping is a
/// binary search over those places alone.
struct ViewOffsets {
    /// Original bytes `original..<original + originalLength` became view bytes `view..<view + viewLength`
    /// (none when dropped).
    struct Segment: Equatable {
        var view: Int
        var original: Int
        var viewLength: Int
        var originalLength: Int

        var viewEnd: Int { view + viewLength }
        var originalEnd: Int { original + originalLength }
    }

    /// Sorted by view and by original offset alike.
    private(set) var segments: [Segment] = []

    /// Records that original bytes `original..<original + originalLength` became `viewLength` view bytes
    /// from `view`.
    mutating func record(view: Int, original: Int, viewLength: Int, originalLength: Int) {
        if viewLength == 0, let last = segments.last, last.viewLength == 0, last.view == view, last.originalEnd == original {
            segments[segments.count - 1].originalLength += originalLength
            return
        }
        segments.append(Segment(view: view, original: original, viewLength: viewLength, originalLength: originalLength))
    }

    /// The original offset where the character that view byte `view` comes from starts.
    func originalStart(ofView view: Int) -> Int {
        let index = segments.partitioningIndex { $0.view > view } - 1
        guard index >= 0 else { return view }
        let segment = segments[index]
        if view < segment.viewEnd { return segment.original }
        return segment.originalEnd + (view - segment.viewEnd)
    }

    /// The original offset where the character that view byte `view - 1` comes from ends: the end of a
    /// span of the view that ends at `view`.
    func originalEnd(ofView view: Int) -> Int {
        let index = segments.partitioningIndex { $0.view >= view } - 1
        guard index >= 0 else { return view }
        let segment = segments[index]
        return segment.originalEnd + max(0, view - segment.viewEnd)
    }

    /// The view offset of the first view byte that comes from original offset `original` or later (a
    /// character boundary of the original).
    func view(ofOriginal original: Int) -> Int {
        let index = segments.partitioningIndex { $0.original > original } - 1
        guard index >= 0 else { return original }
        let segment = segments[index]
        if original < segment.originalEnd { return original == segment.original ? segment.view : segment.viewEnd }
        return segment.viewEnd + (original - segment.originalEnd)
    }

    /// Forgets the segments that no view offset at or after `view` needs.
    mutating func discard(beforeView view: Int) {
        let index = segments.partitioningIndex { $0.viewEnd >= view }
        if index > 1 { segments.removeFirst(index - 1) }
    }
}
