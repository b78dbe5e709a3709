internal import CDBus

/// D-Bus type codes as libdbus's `int` arguments (the header's `((int) 's')` macros do not import).
enum WireType {
    static let invalid: Int32 = 0
    static let byte = code("y")
    static let bool = code("b")
    static let int16 = code("n")
    static let uint16 = code("q")
    static let int32 = code("i")
    static let uint32 = code("u")
    static let int64 = code("x")
    static let uint64 = code("t")
    static let double = code("d")
    static let string = code("s")
    static let objectPath = code("o")
    static let signature = code("g")
    static let unixFD = code("h")
    static let array = code("a")
    static let variant = code("v")
    static let structure = code("r")
    static let dictEntry = code("e")

    /// Signatures of the basic types, the only ones allowed as dict keys.
    static let basicSignatures: Set<String> = ["y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "h"]

    private static func code(_ c: Unicode.Scalar) -> Int32 { Int32(c.value) }
}
