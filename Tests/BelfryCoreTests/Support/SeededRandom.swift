/// SplitMix64: a tiny, fast, seedable generator, so randomised tests repeat exactly.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always the largest value: full jitter then yields its ceiling, so backoff growth is exact.
struct MaxRandom: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { .max }
}

/// Full jitter then yields zero, so the floor shows. (It returns 1, not 0: the standard library's
/// unbiased range sampling would reject an all-zero source for ever.)
struct MinRandom: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { 1 }
}
