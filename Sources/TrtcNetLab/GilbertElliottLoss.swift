/// Packet loss as a two-state Markov chain (Gilbert–Elliott): in the good state a packet is lost with
/// `lossInGood`, in the bad state with `lossInBad`; after each packet the chain moves good → bad with `goodToBad`
/// and bad → good with `badToGood`. Random (Bernoulli) loss is the special case of a chain that never leaves the
/// good state. The parameters are a value; the chain's state lives in `GilbertElliottChain`.
public struct GilbertElliottLoss: Sendable, Equatable, Codable {
    public var goodToBad: Double
    public var badToGood: Double
    public var lossInGood: Double
    public var lossInBad: Double

    public init(goodToBad: Double, badToGood: Double, lossInGood: Double = 0, lossInBad: Double = 1) {
        self.goodToBad = goodToBad
        self.badToGood = badToGood
        self.lossInGood = lossInGood
        self.lossInBad = lossInBad
    }

    public static let none = GilbertElliottLoss(goodToBad: 0, badToGood: 1, lossInGood: 0, lossInBad: 0)

    /// Independent loss of each packet with probability `rate` (0…1).
    public static func random(_ rate: Double) -> GilbertElliottLoss {
        GilbertElliottLoss(goodToBad: 0, badToGood: 1, lossInGood: rate, lossInBad: 1)
    }

    /// Bursts of lost packets (the simple Gilbert model: every packet of the bad state is lost, none of the good
    /// one) averaging `averageLoss` (0…1) in bursts of `meanBurstLength` packets, as libwebrtc's
    /// `avg_burst_loss_length` does.
    public static func bursty(averageLoss: Double, meanBurstLength: Double) -> GilbertElliottLoss {
        precondition(meanBurstLength >= 1 && averageLoss >= 0 && averageLoss < 1)
        let badToGood = 1 / meanBurstLength
        return GilbertElliottLoss(goodToBad: badToGood * averageLoss / (1 - averageLoss), badToGood: badToGood,
                                  lossInGood: 0, lossInBad: 1)
    }

    /// The long-run loss rate (the chain's stationary distribution weighted by each state's loss).
    public var averageLoss: Double {
        let total = goodToBad + badToGood
        guard total > 0 else { return lossInGood }
        let bad = goodToBad / total
        return (1 - bad) * lossInGood + bad * lossInBad
    }
}

/// The state of one Gilbert–Elliott chain.
public struct GilbertElliottChain: Sendable {
    public var model: GilbertElliottLoss
    public private(set) var isBad = false

    public init(_ model: GilbertElliottLoss) {
        self.model = model
    }

    /// Whether the next packet is lost; then the chain moves on. Always two draws, so the stream stays aligned.
    public mutating func nextIsLost(using random: inout NetLabRandom) -> Bool {
        let lost = random.chance(isBad ? model.lossInBad : model.lossInGood)
        let move = random.chance(isBad ? model.badToGood : model.goodToBad)
        if move { isBad.toggle() }
        return lost
    }
}
