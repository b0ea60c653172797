import Crypto

/// The server's side of ICE (RFC 8445 lite implementation): answers authenticated Binding requests and keeps the
/// one selected address and its consent (RFC 7675).
///
/// An address receives media only after a valid check from it with USE-CANDIDATE (or, once nominated, any valid
/// check: a client whose address changed continues). Nothing unauthenticated is ever answered, and no answer is
/// larger than its request, so the port cannot be used to amplify traffic toward a spoofed source.
struct ICELiteResponder {
    static let consentLifetime: Duration = .seconds(30)
    /// How long a request may be retransmitted with its transaction id (RFC 8489: 39.5 s at the default RTO of
    /// 500 ms; ICE agents give up far sooner, aioice after ~8 s).
    static let retransmissionWindow: Duration = .seconds(10)

    enum Outcome: Equatable {
        case answer([UInt8], selected: Bool)
        case drop(TransportDropReason)
    }

    let local: ICECredentials
    let remoteUfrag: String
    private let expectedUsername: String
    private let integrityKey: SymmetricKey
    private(set) var selectedAddress: TransportAddress?
    /// When the last valid check from `selectedAddress` arrived.
    private(set) var lastConsent: ContinuousClock.Instant?
    private var recentTransactions = RecentTransactionIDs()

    init(local: ICECredentials, remoteUfrag: String) {
        self.local = local
        self.remoteUfrag = remoteUfrag
        expectedUsername = local.ufrag + ":" + remoteUfrag
        integrityKey = STUNMessage.integrityKey(password: local.password)
    }

    /// The server ufrag a Binding request's USERNAME names ("serverUfrag:clientUfrag"), unverified.
    static func localUfrag(ofBindingRequest datagram: UnsafeRawBufferPointer) -> String? {
        guard let message = STUNMessage(parsing: datagram), message.messageClass == .request,
            message.method == STUNMessage.bindingMethod, let username = message.username,
            let colon = username.firstIndex(of: ":")
        else { return nil }
        let ufrag = username[..<colon]
        return ufrag.isEmpty ? nil : String(ufrag)
    }

    mutating func receive(_ datagram: UnsafeRawBufferPointer, from address: TransportAddress,
                          now: ContinuousClock.Instant) -> Outcome {
        guard let request = STUNMessage(parsing: datagram) else { return .drop(.malformed) }
        guard request.messageClass == .request, request.method == STUNMessage.bindingMethod else {
            return .drop(.unexpectedSTUN)
        }
        // Cheapest first; each failure is silent (RFC 8489 answers 400/401 here, but an answer to an
        // unauthenticated request is a reflection toward whoever the source claims to be).
        guard request.hasValidFingerprint(in: datagram) else { return .drop(.badFingerprint) }
        guard request.username == expectedUsername else { return .drop(.unknownUsername) }
        guard request.hasValidIntegrity(in: datagram, key: integrityKey) else { return .drop(.badIntegrity) }
        // A lite agent is always controlled: a peer that is not controlling cannot nominate anything.
        guard request.iceControlled == nil, request.iceControlling != nil else { return .drop(.roleConflict) }
        if let earlier = recentTransactions.entry(for: request.transactionID) {
            // A client whose answer was lost retransmits the same request (aioice does, RFC 8489 6.2.1): the same
            // answer to the same address, but no consent or selection from it, since a replayer could send it
            // too. From anywhere else, or later, it is a replay.
            guard earlier.address == address, now - earlier.time < Self.retransmissionWindow else {
                return .drop(.replayedTransaction)
            }
            return .answer(earlier.answer, selected: selectedAddress == address)
        }

        let response = STUNMessage(
            messageClass: .successResponse, transactionID: request.transactionID,
            attributes: [.xorMappedAddress(address, transactionID: request.transactionID)]
        ).encoded(integrityKey: integrityKey, fingerprint: true)
        guard response.count <= datagram.count else { return .drop(.amplification) }

        recentTransactions.insert(.init(id: request.transactionID, address: address, time: now, answer: response))
        if request.useCandidate || (selectedAddress != nil && selectedAddress != address) {
            selectedAddress = address
        }
        let selected = selectedAddress == address
        if selected { lastConsent = now }
        return .answer(response, selected: selected)
    }

    func hasConsent(now: ContinuousClock.Instant) -> Bool {
        guard let lastConsent else { return false }
        return now - lastConsent < Self.consentLifetime
    }
}
