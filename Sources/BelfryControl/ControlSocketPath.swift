/// Where the control socket lives unless `[agent] control_socket` says otherwise.
public enum ControlSocketPath {
    /// `$XDG_RUNTIME_DIR/belfry/control.sock`, or nil when `XDG_RUNTIME_DIR` is unset, empty or
    /// relative (the spec says to ignore such a value); the caller then asks for an explicit path.
    public static func `default`(environment: [String: String]) -> String? {
        guard let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") else { return nil }
        let base = runtime.hasSuffix("/") && runtime.count > 1 ? String(runtime.dropLast()) : runtime
        return base + "/belfry/control.sock"
    }
}
