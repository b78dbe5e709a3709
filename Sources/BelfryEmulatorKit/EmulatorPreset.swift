/// The provider APIs the emulator can impersonate (one per built-in Belfry preset, see `providers/`).
public enum EmulatorPreset: String, CaseIterable, Sendable {
    case jaot
    case aira
    case taskrunner
    case bytespike
    case visualLayer = "visual-layer"
    /// A generic feed (no Belfry preset): for tests of profile features (issue 15), see docs/emulator.md.
    case feed
}
