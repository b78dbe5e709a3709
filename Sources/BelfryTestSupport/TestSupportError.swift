/// A test fixture that could not be set up or did not see what it waited for.
public struct TestSupportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
