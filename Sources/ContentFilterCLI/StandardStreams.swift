import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The signal that asked the command to stop (SIGINT or SIGTERM), or 0.
nonisolated(unsafe) private var receivedSignal: Int32 = 0
/// Whether SIGHUP arrived and its handler has not run yet.
nonisolated(unsafe) private var hangupPending: Int32 = 0
/// What to do on SIGHUP, run by the reading thread.
nonisolated(unsafe) private var hangupHandler: (() -> Void)?

/// Raw, unbuffered standard input and output: reads return as soon as bytes arrive, writes go out at once.
enum StandardStreams {
    /// The reader went away.
    struct OutputClosed: Error {}

    /// Makes SIGINT and SIGTERM interrupt a blocked read instead of killing the process, SIGHUP run
    /// `onHangup` (from the reading thread, between reads), and a closed stdout an `EPIPE` error instead
    /// of SIGPIPE. Signals are handled by a plain handler on the process's one thread, so they always
    /// interrupt its read; `onHangup` should hand long work to a thread of its own (see ``detachQuietThread(_:)``).
    static func installSignalHandlers(onHangup: @escaping () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        hangupHandler = onHangup
        // A parent may have started us with these signals blocked; a filter must still answer them.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signalNumber) }
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            let handler: @convention(c) (Int32) -> Void = { number in
                if number == SIGHUP { hangupPending = 1 } else { receivedSignal = number }
            }
            #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = handler
            #else
            action.__sigaction_handler.sa_handler = handler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocked read returns EINTR
            sigaction(signalNumber, &action, nil)
        }
    }

    /// Runs `work` on a new thread that never takes SIGINT, SIGTERM or SIGHUP, which must reach the reading
    /// thread to interrupt its read.
    static func detachQuietThread(_ work: @escaping @Sendable () -> Void) {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signalNumber) }
        // A new thread starts with its creator's mask: block, create, unblock.
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &signals, &previous)
        Thread.detachNewThread(work)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }

    /// The signal received, if any.
    static var interruptingSignal: Int32? { receivedSignal == 0 ? nil : receivedSignal }

    /// Reads what stdin has (up to `buffer.count` bytes), waiting for at least one byte. Returns 0 at the end
    /// of input or when a signal arrived.
    static func read(into buffer: inout [UInt8]) throws -> Int {
        while true {
            if receivedSignal != 0 { return 0 }
            if hangupPending != 0 {
                hangupPending = 0
                hangupHandler?()
            }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// Writes all of `bytes` to stdout now.
    static func write(_ bytes: some Collection<UInt8>) throws {
        guard !bytes.isEmpty else { return }
        try Array(bytes).withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { throw OutputClosed() }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }
}
