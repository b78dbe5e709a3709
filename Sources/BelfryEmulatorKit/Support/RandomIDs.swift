import FoundationEssentials

/// Identifier styles of the providers.
enum RandomID {
    /// Lower-case UUID (aira, visual-layer).
    static func uuid() -> String { UUID().uuidString.lowercased() }

    /// `prefix` + `length` characters of [0-9a-z] (jaot's `ntf_a1b2c3d4`).
    static func short(prefix: String, length: Int = 8) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return prefix + String((0..<length).map { _ in alphabet.randomElement()! })
    }

    static func isUUID(_ text: String) -> Bool { UUID(uuidString: text) != nil }

    /// 64-bit FNV-1a as 16 hex digits (taskrunner's coalescing fingerprint).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
