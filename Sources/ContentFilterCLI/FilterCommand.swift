public import ArgumentParser
import ContentFilter
import Foundation

struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Filter a model's streamed answer from stdin to stdout as it arrives.",
        discussion: """
            Reads stdin as bytes arrive and writes what the filter releases at once: the AI disclosure, the \
            text with redactions, refusals where a response is blocked, and disclaimers at the end. \
            `--format sse` reads and writes an OpenAI chat-completions stream (`data: {json}` records); \
            `--format responses` a Responses API event stream (detected by `sse` from its first record too).

            Exit status: 0 the response went through (redactions and disclaimers included); 1 it, or any \
            choice of it, was blocked; 2 usage, rule or configuration error. SIGINT and SIGTERM end the \
            input there: what is decided is written, and the status is 128 + the signal. SIGHUP reloads the \
            rules for the responses that start after it (SSE responses piped one after another); a set \
            that fails to load is reported and the old one stays.

            Examples:
              echo "联系我：13800138000" | contentfilter filter
              curl -sN $URL | contentfilter filter --format sse --events events.jsonl
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, sse, responses
    }

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "Input and output format.")
    var format: Format = .text

    @Option(help: "Language of injected text (default: auto, from the response's first 32 characters).")
    var lang: FilterConfiguration.LanguageSetting?

    @Flag(help: "Do not add the AI disclosure.")
    var noDisclosure = false

    @Option(help: "Where the AI disclosure goes (default: start).")
    var disclosurePosition: FilterConfiguration.DisclosurePosition?

    @Option(help: "The simulated person's name: adds the label for simulated people.")
    var persona: String?

    @Option(help: "Text that replaces a redacted span, in every language.")
    var mask: String?

    @Option(help: ArgumentHelp("The most bytes held back while a match is undecided (default 256).", valueName: "bytes"))
    var maxHoldBack: Int?

    @Option(help: ArgumentHelp("Write events as JSON Lines to this file (- for stderr).", valueName: "file"))
    var events: String?

    @Flag(help: "Put the matched text into the events.")
    var eventsIncludeText = false

    @Option(help: ArgumentHelp("A YAML configuration file; flags override it.", valueName: "file"))
    var config: String?

    @Flag(help: "Change and inject nothing; report every event.")
    var dryRun = false

    func validate() throws {
        if let maxHoldBack, maxHoldBack < 4 { throw ValidationError("--max-hold-back must be at least 4 bytes") }
        if noDisclosure && disclosurePosition != nil {
            throw ValidationError("--no-disclosure and --disclosure-position cannot be used together")
        }
    }

    func run() throws {
        let configuration = try loadConfiguration()
        let rules = try ruleOptions.loadLive()
        let eventLog = try events.map(EventLog.init(path:))
        let settings = ResponseFilterSettings(rules: rules, configuration: configuration, events: eventLog.map { log in log.write })
        var filter: any ResponseStreamFilter = switch format {
        case .text: TextResponseFilter(settings)
        case .sse: SSEResponseFilter(settings)
        case .responses: SSEResponseFilter(settings, dialect: .responses)
        }

        StandardStreams.installSignalHandlers {
            // Reloading takes a while: the filter goes on meanwhile.
            StandardStreams.detachQuietThread { Self.report(Result { () throws(RuleLoadError) in try rules.reload() }, live: rules) }
        }
        var input = [UInt8](repeating: 0, count: 64 * 1024)
        var output: [UInt8] = []
        do {
            while case let count = try StandardStreams.read(into: &input), count > 0 {
                filter.consume(input[..<count], into: &output)
                try StandardStreams.write(output)
                output.removeAll(keepingCapacity: true)
            }
            filter.finish(into: &output)
            try StandardStreams.write(output)
        } catch is StandardStreams.OutputClosed {
            return  // the reader went away: nothing more to do
        }
        if let signal = StandardStreams.interruptingSignal { throw ExitCode(128 + signal) }
        if filter.wasBlocked { throw ExitStatus.checkFailed }
    }

    /// Says on stderr which rules a reload made live, or why the old ones stay.
    private static func report(_ reload: Result<RuleSet, RuleLoadError>, live rules: LiveRuleSet) {
        switch reload {
        case .success(let ruleSet):
            printError("contentfilter: rules reloaded: \(ruleSet.rules.count) rules, version \(ruleSet.version)")
        case .failure(let error):
            for problem in error.problems { printError(problem.description) }
            printError("error: the rules did not reload (\(error.errors.count) error(s)); version \(rules.current.version) stays live")
        }
    }

    /// The configuration file's settings with the flags applied over them.
    private func loadConfiguration() throws -> FilterConfiguration {
        var configuration = FilterConfiguration()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                printError("error: \(config): cannot read the configuration file")
                throw ExitStatus.usageOrInputError
            }
            do {
                configuration = try FilterConfiguration(yaml: String(decoding: data, as: UTF8.self), file: config)
            } catch {
                for problem in error.problems { printError(problem.description) }
                throw ExitStatus.usageOrInputError
            }
        }
        if let lang { configuration.language = lang }
        if noDisclosure { configuration.disclosurePosition = nil }
        if let disclosurePosition { configuration.disclosurePosition = disclosurePosition }
        if let persona { configuration.persona = persona }
        if let mask { configuration.texts.mask = LocalizedText(zh: mask, en: mask) }
        if let maxHoldBack { configuration.maximumHoldBack = maxHoldBack }
        if eventsIncludeText { configuration.eventsIncludeText = true }
        if dryRun { configuration.dryRun = true }
        return configuration
    }
}

extension FilterConfiguration.LanguageSetting: ExpressibleByArgument {}
extension FilterConfiguration.DisclosurePosition: ExpressibleByArgument {}

