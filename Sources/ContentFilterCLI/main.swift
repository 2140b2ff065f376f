import ArgumentParser
import Foundation

// Runs the command, mapping argument-parser's usage errors (its status 64) to the documented status 2.
do {
    var command = try ContentFilterCommand.parseAsRoot()
    try command.run()
} catch {
    let code = ContentFilterCommand.exitCode(for: error)
    if code == .validationFailure {
        printError(ContentFilterCommand.fullMessage(for: error))
        exit(ExitStatus.usageOrInputError.rawValue)
    }
    ContentFilterCommand.exit(withError: error)
}
