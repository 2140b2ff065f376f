import Foundation
import PackagePlugin

/// Embeds the package's `Rules/` directory into the `ContentFilter` module at build time, so the shipped
/// rule set is found without any file lookup wherever the library or the binary ends up.
@main
struct EmbedRulesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let rulesDirectory = context.package.directoryURL.appending(path: "Rules")
        let names = try FileManager.default.contentsOfDirectory(atPath: rulesDirectory.path())
            .filter { ["yaml", "yml", "txt"].contains(($0 as NSString).pathExtension) }
            .sorted()
        let inputs = names.map { rulesDirectory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "ShippedRules.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(names.count) files from Rules/",
                executable: try context.tool(named: "ContentFilterRuleEmbedder").url,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
