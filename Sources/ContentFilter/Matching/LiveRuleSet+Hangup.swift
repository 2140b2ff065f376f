public import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension LiveRuleSet {
    /// Reloads the rules each time the process receives SIGHUP, until the returned source is cancelled:
    /// how long-running commands and servers pick up edited rule files. The signal no longer ends the
    /// process (its default), nor interrupts a blocked read.
    ///
    /// - Parameter report: called after each reload with the new set or the error (the old set stays live).
    public func reloadOnHangup(report: @escaping @Sendable (Result<RuleSet, RuleLoadError>) -> Void = { _ in }) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        // A parent may have started the process with the signal blocked.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGHUP)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "contentfilter.reload"))
        source.setEventHandler { [self] in
            report(Result { () throws(RuleLoadError) in try reload() })
        }
        source.resume()
        return source
    }
}
