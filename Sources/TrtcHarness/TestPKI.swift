import Foundation

/// A private CA and server certificates made with the `openssl` command once per process (test run), so that
/// trtc-server runs with TLS in tests as in production: trtcd and trtcctl trust `caFile`, Python clients through
/// REQUESTS_CA_BUNDLE. Besides the valid certificate there is one of each kind a client must refuse.
public struct TestPKI: Sendable {
    /// Which server certificate (all with the same key, `serverKey`).
    public enum Certificate: Sendable, CaseIterable {
        /// Signed by the CA for DNS localhost, IP 127.0.0.1 and ::1, valid for 30 days.
        case valid
        /// The same names, valid only on 1 January 2020.
        case expired
        /// Signed by the CA for `wrong-host.invalid` only.
        case wrongHost
        /// The right names, signed by another CA that nobody trusts.
        case untrusted

        var fileName: String {
            switch self {
            case .valid: "server.pem"
            case .expired: "expired.pem"
            case .wrongHost: "wrong-host.pem"
            case .untrusted: "untrusted.pem"
            }
        }
    }

    public let directory: URL
    /// The CA certificate clients are told to trust (PEM).
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public func certificateFile(_ certificate: Certificate) -> String {
        directory.appendingPathComponent(certificate.fileName).path
    }

    /// The process's PKI, made at the first call.
    public static func shared() async throws -> TestPKI { try await Store.instance.pki() }

    private actor Store {
        static let instance = Store()
        private var making: Task<TestPKI, any Error>?

        func pki() async throws -> TestPKI {
            if let making { return try await making.value }
            let task = Task { try await TestPKI.make() }
            making = task
            return try await task.value
        }
    }

    private static func make() async throws -> TestPKI {
        let directory = try BuiltProducts.temporaryDirectory("trtc-test-pki")
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) async throws {
            let run = try await CommandRun.run("openssl", arguments, timeout: .seconds(30))
            guard run.status == 0 else { throw ProcessFailure("openssl \(arguments.joined(separator: " ")) failed: \(run)") }
        }
        let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for (name, subject) in [("ca", "trtcd test CA"), ("other-ca", "untrusted test CA")] {
            try await openssl(["req", "-x509"] + p256 + ["-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                               "-days", "30", "-subj", "/CN=\(subject)"])
        }
        try await openssl(["req", "-new"] + p256 + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        let rightNames = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n"
        try rightNames.write(toFile: path("right.ext"), atomically: true, encoding: .utf8)
        try "subjectAltName=DNS:wrong-host.invalid\nextendedKeyUsage=serverAuth\n"
            .write(toFile: path("wrong.ext"), atomically: true, encoding: .utf8)
        for (certificate, ca, names) in [(Certificate.valid, "ca", "right.ext"), (.wrongHost, "ca", "wrong.ext"),
                                         (.untrusted, "other-ca", "right.ext")] {
            try await openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                               "-CAcreateserial", "-days", "30", "-extfile", path(names), "-out", path(certificate.fileName)])
        }
        // `openssl x509` cannot date a certificate in the past; `openssl ca` can.
        try FileManager.default.createDirectory(atPath: path("ca-db"), withIntermediateDirectories: true)
        try "".write(toFile: path("ca-db/index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(toFile: path("ca-db/serial"), atomically: true, encoding: .utf8)
        try """
            [ca]
            default_ca = test
            [test]
            database = \(path("ca-db/index.txt"))
            new_certs_dir = \(path("ca-db"))
            serial = \(path("ca-db/serial"))
            default_md = sha256
            policy = any
            [any]
            commonName = supplied

            """.write(toFile: path("ca.cnf"), atomically: true, encoding: .utf8)
        try await openssl(["ca", "-batch", "-config", path("ca.cnf"), "-cert", path("ca.pem"), "-keyfile", path("ca.key"),
                           "-in", path("server.csr"), "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                           "-extfile", path("right.ext"), "-out", path(Certificate.expired.fileName)])
        return TestPKI(directory: directory)
    }
}
