import FoundationEssentials

public enum Urgency: UInt8, Sendable, Codable, Comparable {
    case low = 0, normal = 1, critical = 2
    public init?(name: String) {
        switch name {
        case "low": self = .low
        case "normal": self = .normal
        case "critical": self = .critical
        default: return nil
        }
    }
    public var name: String { ["low", "normal", "critical"][Int(rawValue)] }
    public static func < (a: Urgency, b: Urgency) -> Bool { a.rawValue < b.rawValue }
}

/// Where a source's token comes from. Its description never contains the token itself.
public enum TokenSource: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case command([String])
    case env(String)
    case credential(String)
    case inline(String)

    public var description: String {
        switch self {
        case .file(let p): "token_file \(p)"
        case .command(let argv): "token_command \(argv.first ?? "")"
        case .env(let n): "token_env \(n)"
        case .credential(let n): "systemd credential \(n)"
        case .inline: "token in the config file"
        }
    }
}

public enum FirstRunPolicy: String, Sendable { case summary, all, none }
public enum Transport: String, Sendable { case auto, stream, poll }

public struct AgentSettings: Sendable {
    public var logLevel: String
    public var stateFile: String
    public var controlSocket: String
    public var maxSeen: Int
}

public struct DesktopSettings: Sendable {
    public var appName: String
    public var icon: String
    public var desktopEntry: String
    public var expireTimeout: Int32
    public var actions: [String]
    public var markReadOn: Set<String>
    public var burstLimit: Int
    public var burstWindow: Duration
    public var firstRun: FirstRunPolicy
    public var maxAge: Duration
    public var opener: [String]
    public var quietHours: QuietHours?
}

public struct SourceConfig: Sendable {
    public var name: String
    public var preset: String
    public var baseURL: String
    public var webURL: String
    public var token: TokenSource?
    public var transport: Transport
    public var pollInterval: Duration
    public var types: [String]
    public var excludeTypes: [String]
    public var urgency: [String: Urgency]
    public var query: [String: String]
    /// Query keys sent once per value (`query = { "exclude_types[]" = ["follow", "favourite"] }`).
    public var repeatedQuery: [String: [String]] = [:]
    public var icon: String?
    /// The application name of this source's popups; nil: the source's name.
    public var appName: String?
    public var caFile: String?
    public var allowInsecureHTTP: Bool
    public var enabled: Bool
    public var profile: ProviderProfile
}

/// A validated config. Built only by `ConfigLoader`, which refuses anything it cannot vouch for.
public struct BelfryConfig: Sendable {
    public var file: String
    public var agent: AgentSettings
    public var desktop: DesktopSettings
    public var sources: [SourceConfig]
    /// Things accepted but worth a word (inline tokens, very short poll intervals).
    public var warnings: [String]
}
