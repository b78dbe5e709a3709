/// Time-ordered ULIDs (26 Crockford base32 characters: 48-bit milliseconds, 80 random bits), as
/// taskrunner uses for its ids. Monotonic within a millisecond: ids made for the same millisecond
/// increment the random part, so they still sort in the order they were made.
struct ULIDGenerator: Sendable {
    private var lastMillis: UInt64 = 0
    private var lastRandomHigh: UInt16 = 0
    private var lastRandomLow: UInt64 = 0

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A ULID for `millis`. When `monotonic` is set, one made for the same millisecond as the last
    /// sorts after it.
    mutating func make(millis: UInt64, monotonic: Bool = true) -> String {
        var generator = SystemRandomNumberGenerator()
        if monotonic, millis == lastMillis, lastMillis != 0 {
            lastRandomLow &+= 1
            if lastRandomLow == 0 { lastRandomHigh &+= 1 }
        } else {
            lastMillis = millis
            lastRandomHigh = UInt16.random(in: 0...UInt16.max, using: &generator) & 0x7FFF  // room to increment
            lastRandomLow = generator.next()
        }
        let high = (millis << 16) | UInt64(lastRandomHigh)
        return Self.encode(high: high, low: lastRandomLow)
    }

    static func encode(high: UInt64, low: UInt64) -> String {
        var chars: [Character] = []
        chars.reserveCapacity(26)
        var shift = 125
        while shift >= 0 {
            let value: UInt64
            if shift >= 64 {
                value = high >> UInt64(shift - 64)
            } else if shift == 0 {
                value = low
            } else {
                value = (low >> UInt64(shift)) | (high << UInt64(64 - shift))
            }
            chars.append(alphabet[Int(value & 31)])
            shift -= 5
        }
        return String(chars)
    }

    static func isValid(_ text: String) -> Bool {
        text.count == 26 && text.allSatisfy { alphabet.contains($0) } && (text.first.map { $0 <= "7" } ?? false)
    }
}
