/// Calls `body` with `object` borrowed: no retain and release around it.
///
/// For the stream's hot path, where the compiler retains a reference read from an array (or copied from a
/// stored property) around every call that may release memory: two atomic operations per use, more than the
/// scan of a short chunk costs. The caller keeps `object` alive until `body` returns (it reads it from an
/// immutable store of its own).
@inline(__always)
func withBorrowed<Object: AnyObject, Result>(_ object: consuming Object, _ body: (Object) -> Result) -> Result {
    let unmanaged = Unmanaged.passUnretained(object)
    _ = consume object  // the caller's copy ends before `body` runs, so the compiler drops it
    return unmanaged._withUnsafeGuaranteedRef(body)
}
