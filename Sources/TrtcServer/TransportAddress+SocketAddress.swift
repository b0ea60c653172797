import NIOCore
import TrtcTransport

extension TransportAddress {
    /// The IP and port of a UDP peer, as STUN's XOR-MAPPED-ADDRESS reports it; nil for non-IP addresses.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            let ip = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
            self.init(ip: ip, port: UInt16(bigEndian: v4.address.sin_port))
        case .v6(let v6):
            let ip = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            self.init(ip: ip, port: UInt16(bigEndian: v6.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }
}
