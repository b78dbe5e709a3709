import BelfryTestSupport
import Testing
@testable import BelfryCore

@Test func ceilingDoublesFromInitialAndIsCapped() {
    var backoff = Backoff(policy: .init(initial: .seconds(1), maximum: .seconds(180), floor: .zero))
    var random = MaxRandom()
    let delays = (0..<11).map { _ in backoff.nextDelay(using: &random) }
    #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 180, 180, 180].map { Duration.seconds($0) })
    #expect(backoff.attempt == 11)
}

@Test func ceilingNeverOverflows() {
    var backoff = Backoff(policy: .init(initial: .seconds(3), maximum: .seconds(300)))
    var random = MaxRandom()
    for _ in 0..<200 { _ = backoff.nextDelay(using: &random) }
    #expect(backoff.currentCeiling == .seconds(300))
    #expect(backoff.nextDelay(using: &random) == .seconds(300))
}

@Test func fullJitterStaysWithinFloorAndCeilingAndRepeatsForASeed() {
    let policy = Backoff.Policy(initial: .seconds(1), maximum: .seconds(60), floor: .milliseconds(500))
    func run(seed: UInt64) -> [Duration] {
        var backoff = Backoff(policy: policy)
        var random = SeededRandom(seed: seed)
        return (0..<50).map { _ in
            let ceiling = backoff.currentCeiling
            let delay = backoff.nextDelay(using: &random)
            #expect(delay >= policy.floor && delay <= max(ceiling, policy.floor))
            return delay
        }
    }
    let a = run(seed: 42)
    #expect(a == run(seed: 42))
    #expect(a != run(seed: 43))
    #expect(Set(a).count > 40, "jitter spreads the delays")
}

@Test func floorAndMinimumRaiseTheDelay() {
    var backoff = Backoff(policy: .init(floor: .milliseconds(500)))
    var zero = MinRandom()
    #expect(backoff.nextDelay(using: &zero) == .milliseconds(500))
    #expect(backoff.nextDelay(using: &zero, atLeast: .seconds(5)) == .seconds(5))
    var max = MaxRandom()
    #expect(backoff.nextDelay(using: &max, atLeast: .seconds(1)) == .seconds(4), "a smaller minimum changes nothing")
}

@Test func aStableConnectionResetsTheBackoff() {
    var backoff = Backoff(policy: .init(stablePeriod: .seconds(60)))
    var random = MaxRandom()
    for _ in 0..<5 { _ = backoff.nextDelay(using: &random) }
    backoff.connectionEnded(after: .seconds(59))
    #expect(backoff.attempt == 5)
    backoff.connectionEnded(after: .seconds(60))
    #expect(backoff.attempt == 0)
    #expect(backoff.nextDelay(using: &random) == .seconds(1))
}

@Test func systemRandomDelaysStayInRange() {
    var backoff = Backoff()
    for _ in 0..<20 {
        let ceiling = backoff.currentCeiling
        let delay = backoff.nextDelay()
        #expect(delay >= backoff.policy.floor && delay <= ceiling)
    }
}
