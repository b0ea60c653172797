import Foundation
import NIOSSL
import PostgresNIO

/// A libpq-style connection URL, as operators write them: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with
/// `?host=/dir` for a unix socket directory (`DIR/.s.PGSQL.PORT`) and `?sslmode=require|verify-full` for TLS.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var socketDirectory: String?
    public var requireTLS: Bool

    public init(parsing text: String) throws(ServerSetupError) {
        let scheme = text.prefix { $0 != ":" }
        guard scheme == "postgres" || scheme == "postgresql", text.dropFirst(scheme.count).hasPrefix("://") else {
            throw ServerSetupError("--cluster-db \(Self.redacted(text)) is not a postgres:// URL")
        }
        var rest = Substring(text.dropFirst(scheme.count + 3))
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                query[String(parts[0])] = parts.count > 1 ? Self.decoded(parts[1]) : ""
            }
            rest = rest[..<mark]
        }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<pathStart]
        let path = rest[pathStart...].drop { $0 == "/" }
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.decoded(credentials[..<colon])
                password = Self.decoded(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.decoded(credentials)
            }
        } else {
            user = "postgres"
        }
        if user.isEmpty { user = "postgres" }
        var portNumber = 5432
        var hostName = hostPart
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            hostName = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()) else { throw ServerSetupError("--cluster-db: bad port") }
                portNumber = number
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            hostName = hostPart[..<colon]
            guard let number = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(number) else {
                throw ServerSetupError("--cluster-db \(Self.redacted(text)): bad port")
            }
            portNumber = number
        }
        if let number = query["port"].flatMap(Int.init) { portNumber = number }
        host = hostName.isEmpty ? "localhost" : Self.decoded(hostName)
        port = portNumber
        database = path.isEmpty ? user : Self.decoded(path)
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        switch query["sslmode"] ?? "disable" {
        case "disable", "allow", "prefer": requireTLS = false
        case "require", "verify-ca", "verify-full": requireTLS = true
        case let other: throw ServerSetupError("--cluster-db: sslmode \(other.debugDescription) is not supported")
        }
    }

    /// The URL with its password hidden, for logs and errors.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
            + (socketDirectory.map { "?host=\($0)" } ?? "")
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        }
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 16
        configuration.options.minimumConnections = 2
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
        return configuration
    }

    private static func decoded(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }

    private static func redacted(_ text: String) -> String {
        guard let start = text.range(of: "://"), let at = text[start.upperBound...].lastIndex(of: "@"),
              let colon = text[start.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }
}
