internal import CPCRE2

/// An error code returned by PCRE2, with PCRE2's own message.
public struct PCRE2Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// PCRE2's numeric error code (negative for match-time errors, positive for compile errors).
    public let code: Int32

    /// PCRE2's message for the code.
    public var message: String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(Int32(code), &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }

    /// Whether the search stopped because it hit one of the match, depth or heap limits, which bound the
    /// work one search may do on hostile input.
    public var isResourceLimit: Bool {
        code == PCRE2_ERROR_MATCHLIMIT || code == PCRE2_ERROR_DEPTHLIMIT || code == PCRE2_ERROR_HEAPLIMIT
            || code == PCRE2_ERROR_JIT_STACKLIMIT
    }

    public var description: String { message }
}

/// A pattern that PCRE2 would not compile: its message and the byte offset inside the pattern.
struct PCRE2CompileError: Error, Sendable {
    let error: PCRE2Error
    /// Byte offset in the pattern where PCRE2 stopped.
    let offset: Int
}
