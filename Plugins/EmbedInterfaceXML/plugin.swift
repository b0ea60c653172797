import Foundation
import PackagePlugin

/// Compiles dbus/org.trtcd.Trtc1.Room.xml into the target as `RoomInterfaceXML.text`, so the file in the repository
/// is the one source of the interface and the installed daemon needs no data files.
@main
struct EmbedInterfaceXML: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let xml = context.package.directoryURL.appending(components: "dbus", "org.trtcd.Trtc1.Room.xml")
        let output = context.pluginWorkDirectoryURL.appending(component: "RoomInterfaceXML.swift")
        // A raw multi-line literal holds the file byte for byte (the XML contains no `"""#`); a shell is enough.
        let script = ##"""
            { printf '/// dbus/org.trtcd.Trtc1.Room.xml, embedded at build time (Plugins/EmbedInterfaceXML).\n'
              printf 'public enum RoomInterfaceXML {\n    public static let text = #"""\n'
              cat "$1"
              printf '"""#\n}\n'
            } > "$2"
            """##
        return [
            .buildCommand(
                displayName: "Embedding \(xml.lastPathComponent)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "embed", xml.path, output.path],
                inputFiles: [xml],
                outputFiles: [output])
        ]
    }
}
