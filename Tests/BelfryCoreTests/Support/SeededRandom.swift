/// Always the largest value: full jitter then yields its ceiling, so backoff growth is exact.
struct MaxRandom: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { .max }
}

/// Full jitter then yields zero, so the floor shows. (It returns 1, not 0: the standard library's
/// unbiased range sampling would reject an all-zero source for ever.)
struct MinRandom: RandomNumberGenerator, Sendable {
    mutating func next() -> UInt64 { 1 }
}
