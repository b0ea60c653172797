import Foundation
import TrtcDBus
import TrtcDBusContract

/// A sandboxed app on the session bus (security M6): the session bus is the user's trust boundary, so an ordinary
/// client of the user may use camera and microphone as the user may; a Flatpak or Snap app may not, unless the user
/// granted that app the device in the desktop's portal (xdg-desktop-portal's permission store, table `devices`).
struct SandboxedApp: Sendable, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable { case flatpak, snap }
    let kind: Kind
    /// The id the portal knows the app by: the Flatpak app id, `snap.<name>` for a Snap.
    let appId: String

    var description: String { "\(kind.rawValue) app \(appId)" }

    /// What the process `pid` runs in, read from /proc: a Flatpak app's mount namespace has /.flatpak-info (its
    /// `[Application] name=`), and its processes live in a cgroup `app-flatpak-<appId>-<n>.scope`; a Snap app's in
    /// `snap.<name>.<app>….scope`. nil: not sandboxed. Throws when /proc cannot tell (the process is gone).
    static func of(pid: UInt32, proc: String = "/proc") throws -> SandboxedApp? {
        let cgroups: String
        do {
            cgroups = try String(contentsOfFile: "\(proc)/\(pid)/cgroup", encoding: .utf8)
        } catch {
            throw CallerCheckError("cannot read the cgroup of process \(pid)")
        }
        if let info = try? String(contentsOfFile: "\(proc)/\(pid)/root/.flatpak-info", encoding: .utf8) {
            return SandboxedApp(kind: .flatpak, appId: flatpakInfoName(info) ?? flatpakAppId(cgroups) ?? "unknown")
        }
        if let appId = flatpakAppId(cgroups) { return SandboxedApp(kind: .flatpak, appId: appId) }
        if let name = snapName(cgroups) { return SandboxedApp(kind: .snap, appId: "snap.\(name)") }
        return nil
    }

    /// The `name=` of the `[Application]` group of a .flatpak-info file.
    static func flatpakInfoName(_ info: String) -> String? {
        var group = ""
        for line in info.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") { group = line; continue }
            if group == "[Application]", line.hasPrefix("name=") {
                let name = String(line.dropFirst("name=".count))
                return name.isEmpty ? nil : name
            }
        }
        return nil
    }

    /// The path components of every hierarchy in a /proc/PID/cgroup file (`ID:CONTROLLERS:PATH` lines).
    static func cgroupComponents(_ cgroups: String) -> [Substring] {
        cgroups.split(separator: "\n").flatMap { line -> [Substring] in
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return fields.count == 3 ? fields[2].split(separator: "/") : []
        }
    }

    /// `app-flatpak-<appId>-<n>.scope` → appId.
    static func flatpakAppId(_ cgroups: String) -> String? {
        for component in cgroupComponents(cgroups) where component.hasPrefix("app-flatpak-") {
            var rest = component.dropFirst("app-flatpak-".count)
            if rest.hasSuffix(".scope") { rest = rest.dropLast(".scope".count) }
            if let dash = rest.lastIndex(of: "-"), rest[rest.index(after: dash)...].allSatisfy(\.isNumber) {
                rest = rest[..<dash]
            }
            return rest.isEmpty ? "unknown" : String(rest)
        }
        return nil
    }

    /// `snap.<name>.<app>….scope` → name.
    static func snapName(_ cgroups: String) -> String? {
        for component in cgroupComponents(cgroups) where component.hasPrefix("snap.") {
            let parts = component.split(separator: ".")
            if parts.count >= 2 { return String(parts[1]) }
        }
        return nil
    }
}

struct CallerCheckError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Refuses camera and microphone to sandboxed callers without the portal's grant (docs/security.md M6).
struct CallerSandboxPolicy: Sendable {
    let bus: BusConnection

    static let permissionStore = "org.freedesktop.impl.portal.PermissionStore"
    static let permissionStorePath = "/org/freedesktop/impl/portal/PermissionStore"

    /// Throws NotPermitted when `sender` is a sandboxed app that the user has not granted `device` ("camera" or
    /// "microphone" in the portal's `devices` table), or when the caller cannot be identified.
    func check(sender: String, device: String, method: String) async throws(DBusError) {
        let app: SandboxedApp
        do {
            let reply = try await bus.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                           interface: "org.freedesktop.DBus", member: "GetConnectionUnixProcessID",
                                           arguments: [.string(sender)], timeout: .seconds(5))
            guard let pid = reply.first?.uint32 else { throw CallerCheckError("the bus did not say the caller's process") }
            guard let found = try SandboxedApp.of(pid: pid) else { return }
            app = found
        } catch {
            throw TrtcdError.notPermitted("\(method): cannot tell whether the caller is sandboxed (\(error)), so no \(device)")
        }
        let granted: Bool
        do {
            let reply = try await bus.call(destination: Self.permissionStore, path: Self.permissionStorePath,
                                           interface: Self.permissionStore, member: "Lookup",
                                           arguments: [.string("devices"), .string(device)], timeout: .seconds(5))
            let permissions = reply.first?.dictionaryEntries ?? []
            granted = permissions.contains { $0.key.string == app.appId && ($0.value.stringArray ?? []).contains("yes") }
        } catch let error as DBusError where error.name == "org.freedesktop.portal.Error.NotFound" {
            granted = false
        } catch {
            throw TrtcdError.notPermitted(
                "\(method): the caller is a sandboxed \(app) and no xdg-desktop-portal permission store answers on the "
                    + "session bus to say it may use the \(device) (\(error))")
        }
        guard granted else {
            throw TrtcdError.notPermitted(
                "\(method): the caller is a sandboxed \(app) without the user's \(device) permission "
                    + "(xdg-desktop-portal permission store, table devices, id \(device))")
        }
    }
}
