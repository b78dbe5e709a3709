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

@Test func aNamedTimeReplacesTheBackoffWithASmallJitter() {
    var backoff = Backoff(policy: .init(initial: .seconds(1), maximum: .seconds(180), floor: .milliseconds(500)))
    var max = MaxRandom()
    for _ in 0..<4 { _ = backoff.nextDelay(using: &max) }   // several failures: the next ceiling is 16 s
    #expect(backoff.nextDelay(honouring: .seconds(2), cap: .seconds(3600), using: &max) == .milliseconds(2200),
            "the service's 2 s plus at most a tenth, not 16 s")
    #expect(backoff.attempt == 5, "the attempt still counts")
    var min = MinRandom()
    #expect(backoff.nextDelay(honouring: .seconds(2), cap: .seconds(3600), using: &min) >= .seconds(2), "never before it")
}

@Test func theJitterOnANamedTimeIsAtLeast100msAndAtMostASecond() {
    var max = MaxRandom()
    #expect(Backoff.honouring(.milliseconds(200), cap: .seconds(60), floor: .zero, using: &max) == .milliseconds(300))
    #expect(Backoff.honouring(.seconds(120), cap: .seconds(3600), floor: .zero, using: &max) == .seconds(121))
    #expect(Backoff.honouring(.seconds(7200), cap: .seconds(3600), floor: .zero, using: &max) == .seconds(3600), "capped")
    #expect(Backoff.honouring(.zero, cap: .seconds(60), floor: .seconds(1), using: &max) == .seconds(1), "the floor holds")
    var seeded = SeededRandom(seed: 3)
    let spread = Set((0..<50).map { _ in Backoff.honouring(.seconds(2), cap: .seconds(60), floor: .zero, using: &seeded) })
    #expect(spread.allSatisfy { $0 >= .seconds(2) && $0 <= .milliseconds(2200) })
    #expect(spread.count > 10, "clients told the same time spread out")
}
