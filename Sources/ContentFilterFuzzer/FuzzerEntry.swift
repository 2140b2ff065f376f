// The fuzz targets' executable. Built by `scripts/fuzz` with `-sanitize=fuzzer,address` and
// `-DCONTENTFILTER_LIBFUZZER`, it runs libFuzzer on the target named by `--target=NAME` (libFuzzer leaves
// arguments that start with `--` alone). Built normally, it replays inputs:
// `swift run ContentFilterFuzzer --target=stream Tests/FuzzCorpus/stream/crash-…` prints what the input breaks.
import ContentFilterFuzzing
import Foundation
#if CONTENTFILTER_LIBFUZZER
import CLibFuzzer
#endif

@main enum FuzzerEntry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = arguments.lazy.compactMap(target(named:)).first else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: ContentFilterFuzzer --target=\(names) [FILE | DIRECTORY]...\n".utf8))
            exit(2)
        }
        #if CONTENTFILTER_LIBFUZZER
        fuzz(target)
        #else
        replay(target, paths: arguments.filter { !$0.hasPrefix("--") })
        #endif
    }

    /// The target an argument `--target=NAME` names.
    static func target(named argument: String) -> FuzzTarget? {
        let prefix = "--target="
        return argument.hasPrefix(prefix) ? FuzzTarget(rawValue: String(argument.dropFirst(prefix.count))) : nil
    }

    #if CONTENTFILTER_LIBFUZZER
    /// The target libFuzzer's callback checks (a C callback captures nothing); set once, before libFuzzer starts.
    nonisolated(unsafe) static var fuzzedTarget = FuzzTarget.scanner

    /// Runs libFuzzer with the process's arguments; a broken promise is a crash, so that libFuzzer keeps the input.
    static func fuzz(_ target: FuzzTarget) -> Never {
        fuzzedTarget = target
        var argumentCount = CommandLine.argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argumentCount, &arguments) { data, size in
            let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            do {
                try FuzzerEntry.fuzzedTarget.check(input)
            } catch {
                fatalError("\(FuzzerEntry.fuzzedTarget.rawValue): \(error)")
            }
            return 0
        })
    }
    #else
    /// Checks the files given (every file of a directory given) and prints each broken promise.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Never {
        var files: [URL] = []
        for path in paths {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let contents = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
                files += contents.sorted { $0.path < $1.path }
            } else {
                files.append(url)
            }
        }
        var failed = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                FileHandle.standardError.write(Data("\(file.path): cannot read\n".utf8))
                exit(2)
            }
            do {
                try target.check(Array(data))
            } catch {
                failed += 1
                print("\(file.path): \(error)")
            }
        }
        print("\(files.count - failed) passed, \(failed) failed")
        exit(failed == 0 ? 0 : 1)
    }
    #endif
}
