import Foundation
import PackagePlugin

/// Compiles web/sdk/trtc.js and web/demo/index.html into trtc-server as `WebFiles.sdk` and `WebFiles.demo`, so the
/// files in the repository are the ones served (`/sdk/trtc.js`, `/demo`) and the installed server needs no data files.
@main
struct EmbedWebFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let web = context.package.directoryURL.appending(component: "web")
        let sdk = web.appending(components: "sdk", "trtc.js")
        let demo = web.appending(components: "demo", "index.html")
        let output = context.pluginWorkDirectoryURL.appending(component: "WebFiles.swift")
        // Raw multi-line literals hold the files byte for byte (neither contains `"""#`).
        let script = ##"""
            { printf '/// web/sdk/trtc.js and web/demo/index.html, embedded at build time (Plugins/EmbedWebFiles).\n'
              printf 'enum WebFiles {\n    static let sdk = #"""\n'
              cat "$1"
              printf '"""#\n    static let demo = #"""\n'
              cat "$2"
              printf '"""#\n}\n'
            } > "$3"
            """##
        return [
            .buildCommand(
                displayName: "Embedding web/sdk/trtc.js and web/demo/index.html",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "embed", sdk.path, demo.path, output.path],
                inputFiles: [sdk, demo],
                outputFiles: [output])
        ]
    }
}
