import Foundation

/// The committed vectors made with Tencent's own Python packages (see Vectors/make_vectors.py, make_tc3_vectors.py).
enum Vectors {
    struct UserSigFile: Decodable { let vectors: [UserSig] }
    struct UserSig: Decodable, Sendable {
        let sdkAppId: UInt32
        let key: String
        let userId: String
        let time: Int
        let expire: Int
        let userBuf: String?
        let sig: String
    }

    struct TC3File: Decodable { let vectors: [TC3] }
    struct TC3: Decodable, Sendable {
        let secretId: String
        let secretKey: String
        let service: String
        let method: String
        let path: String
        let query: String
        let timestamp: Int
        /// Every header the SDK sent, names lowercased.
        let headers: [String: String]
        /// The ones it signed.
        let signedHeaders: [String: String]
        let payload: String
        let authorization: String
    }

    static var directory: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Vectors", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile)
            }
            return url
        }
    }

    static func userSig() throws -> [UserSig] {
        try JSONDecoder().decode(UserSigFile.self, from: Data(contentsOf: directory.appendingPathComponent("usersig_vectors.json"))).vectors
    }

    static func tc3() throws -> [TC3] {
        try JSONDecoder().decode(TC3File.self, from: Data(contentsOf: directory.appendingPathComponent("tc3_vectors.json"))).vectors
    }
}
