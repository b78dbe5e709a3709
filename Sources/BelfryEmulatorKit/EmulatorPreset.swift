/// The provider APIs the emulator can impersonate (one per built-in Belfry preset, see `providers/`).
public enum EmulatorPreset: String, CaseIterable, Sendable {
    case jaot
    case aira
    case taskrunner
    case bytespike
    case visualLayer = "visual-layer"
}
