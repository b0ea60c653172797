import Crypto

/// The client's side of ICE toward an ICE-lite server with one known address: the controlling agent sends
/// connectivity checks with USE-CANDIDATE (aggressive nomination), every 50 ms until one succeeds, then every
/// 2.5 s ± 20 % to keep consent (RFC 7675 allows 4–6 s; the shorter interval survives two lost checks well inside
/// the server's 30 s).
struct ICEControllingChecker {
    static let initialInterval: Duration = .milliseconds(50)
    static let consentInterval: Duration = .milliseconds(2500)
    static let consentLifetime: Duration = .seconds(30)
    /// Checks waiting for an answer; older ones are forgotten (their answers count as unsolicited).
    static let outstandingLimit = 16

    let local: ICECredentials
    let remote: ICECredentials
    private let username: String
    /// Responses are authenticated with the server's password, like the requests.
    private let integrityKey: SymmetricKey
    private let tieBreaker: UInt64
    /// Checks waiting for an answer, with when each was sent (for the round trip).
    private var outstanding: [(id: STUNTransactionID, sent: ContinuousClock.Instant)] = []
    private(set) var nextCheck: ContinuousClock.Instant?
    private(set) var started: ContinuousClock.Instant?
    private(set) var firstSuccess: ContinuousClock.Instant?
    private(set) var lastSuccess: ContinuousClock.Instant?
    /// Request to answer of the last answered check: the round trip to the server (trtcd's `rtt` statistic).
    private(set) var lastRoundTrip: Duration?

    /// RFC 8445 5.1.2: type preference 110 (peer-reflexive, what the server learns us as), local preference 65535,
    /// component 1.
    static let priority: UInt32 = 110 << 24 | 65535 << 8 | (256 - 1)

    init(local: ICECredentials, remote: ICECredentials) {
        self.local = local
        self.remote = remote
        username = remote.ufrag + ":" + local.ufrag
        integrityKey = STUNMessage.integrityKey(password: remote.password)
        var generator = SystemRandomNumberGenerator()
        tieBreaker = generator.next()
    }

    var nextDeadline: ContinuousClock.Instant? { nextCheck }

    /// A check when one is due.
    mutating func poll(now: ContinuousClock.Instant) -> [UInt8]? {
        if started == nil { started = now }
        if let nextCheck, now < nextCheck { return nil }
        let id = STUNTransactionID.random()
        outstanding.append((id, now))
        if outstanding.count > Self.outstandingLimit { outstanding.removeFirst() }
        let interval: Duration
        if firstSuccess == nil {
            interval = Self.initialInterval
        } else {
            var generator = SystemRandomNumberGenerator()
            interval = Self.consentInterval * Double.random(in: 0.8...1.2, using: &generator)
        }
        nextCheck = now + interval
        return STUNMessage(
            messageClass: .request, transactionID: id,
            attributes: [
                .username(username), .priority(Self.priority), .iceControlling(tieBreaker: tieBreaker), .useCandidateFlag,
            ]
        ).encoded(integrityKey: integrityKey, fingerprint: true)
    }

    /// True for an authenticated success response to an outstanding check.
    mutating func receive(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> Bool {
        guard let response = STUNMessage(parsing: datagram), response.method == STUNMessage.bindingMethod,
            response.messageClass == .successResponse, let index = outstanding.firstIndex(where: { $0.id == response.transactionID }),
            response.hasValidFingerprint(in: datagram), response.hasValidIntegrity(in: datagram, key: integrityKey)
        else { return false }
        lastRoundTrip = now - outstanding.remove(at: index).sent
        if firstSuccess == nil {
            firstSuccess = now
            // Switch to the consent cadence from here.
            nextCheck = now + Self.consentInterval
        }
        lastSuccess = now
        return true
    }

    func hasConsent(now: ContinuousClock.Instant) -> Bool {
        guard let lastSuccess else { return false }
        return now - lastSuccess < Self.consentLifetime
    }

    /// No check answered within 30 s of the first.
    func hasGivenUp(now: ContinuousClock.Instant) -> Bool {
        guard firstSuccess == nil, let started else { return false }
        return now - started >= Self.consentLifetime
    }
}
