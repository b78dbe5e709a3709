/// Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS architecture blog):
/// attempt `n` waits a uniformly random time in `0 ... min(maximum, initial × 2ⁿ)`, never less than
/// `floor` (nor than a minimum the caller passes, such as a server's `retry:`). A connection that
/// stayed up for `stablePeriod` starts the sequence over. A time the server names (`Retry-After`)
/// replaces the guess: `nextDelay(honouring:cap:using:)`.
///
/// The random source is a parameter, so tests use a seeded generator.
public struct Backoff: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        /// The ceiling of the first delay.
        public var initial: Duration
        /// No jittered delay exceeds this.
        public var maximum: Duration
        /// No delay is shorter than this (keeps a flapping server from being hammered).
        public var floor: Duration
        /// A connection that lasted this long resets the backoff.
        public var stablePeriod: Duration

        public init(
            initial: Duration = .seconds(1), maximum: Duration = .seconds(180),
            floor: Duration = .milliseconds(500), stablePeriod: Duration = .seconds(60)
        ) {
            self.initial = initial
            self.maximum = maximum
            self.floor = floor
            self.stablePeriod = stablePeriod
        }
    }

    public let policy: Policy
    /// Delays handed out since the last reset.
    public private(set) var attempt = 0

    public init(policy: Policy = .init()) { self.policy = policy }

    /// The ceiling of the next jittered delay: `min(maximum, initial × 2^attempt)`.
    public var currentCeiling: Duration {
        let initial = Self.nanoseconds(policy.initial), maximum = Self.nanoseconds(policy.maximum)
        let shift = min(attempt, 62)
        let (grown, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << shift)
        return .nanoseconds(overflow ? maximum : min(grown, maximum))
    }

    /// The next delay: random in `0 ... currentCeiling`, raised to `floor` and to `minimum`.
    public mutating func nextDelay(using random: inout some RandomNumberGenerator, atLeast minimum: Duration = .zero) -> Duration {
        let ceiling = Self.nanoseconds(currentCeiling)
        attempt += 1
        let jittered = Duration.nanoseconds(ceiling > 0 ? Int64.random(in: 0...ceiling, using: &random) : 0)
        return max(jittered, policy.floor, minimum)
    }

    /// `nextDelay(using:atLeast:)` with the system's random source.
    public mutating func nextDelay(atLeast minimum: Duration = .zero) -> Duration {
        var random = SystemRandomNumberGenerator()
        return nextDelay(using: &random, atLeast: minimum)
    }

    /// The next delay when the server named one (`Retry-After`): that time plus a small jitter (see
    /// `honouring(_:cap:floor:using:)`), not stacked on the backoff. The attempt still counts, so a
    /// later failure without a named time goes on growing from here.
    public mutating func nextDelay(honouring named: Duration, cap: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        attempt += 1
        return Self.honouring(named, cap: cap, floor: policy.floor, using: &random)
    }

    /// How long to wait when the service said how long (`Retry-After`): its time, at most `cap`, plus
    /// a jitter of up to a tenth of it (at least 100 ms, at most 1 s) so clients told the same moment
    /// do not all come back at once; never less than `floor`, nor than the named time (up to `cap`).
    /// The service knows when it will take requests again: a backoff grown by earlier failures is not
    /// stacked on top of its word (a `Retry-After: 2` after several 5xx waited 10.6 s).
    public static func honouring(
        _ named: Duration, cap: Duration, floor: Duration, using random: inout some RandomNumberGenerator
    ) -> Duration {
        let base = min(max(named, .zero), cap)
        let spread = min(max(base / 10, .milliseconds(100)), .seconds(1))
        let jitter = Duration.nanoseconds(Int64.random(in: 0...nanoseconds(spread), using: &random))
        return max(floor, min(base + jitter, max(cap, base)))
    }

    /// Tells the backoff how long the last connection stayed up; a stable one resets it.
    public mutating func connectionEnded(after uptime: Duration) {
        if uptime >= policy.stablePeriod { reset() }
    }

    public mutating func reset() { attempt = 0 }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        if s < 0 { return 0 }
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflow2) = ns.addingReportingOverflow(atto / 1_000_000_000)
        return overflow || overflow2 ? .max : sum
    }
}
