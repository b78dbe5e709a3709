import BelfryCore
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Opening links the way desktop launchers do, on the same session bus as the popups.
extension DBusNotifications {
    static let portalName = "org.freedesktop.portal.Desktop"
    static let portalPath = "/org/freedesktop/portal/desktop"
    static let systemdName = "org.freedesktop.systemd1"
    static let systemdPath = "/org/freedesktop/systemd1"
    /// A portal or manager that does not answer within this is skipped for the next route.
    static let launchTimeout: Duration = .seconds(10)
    static let displayVariables = ["DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"]

    public func launch(_ argv: [String], url: String, defaultHandler: Bool, activationToken: String?) async -> LaunchRoute {
        guard !argv.isEmpty else { return .direct }
        let route = try? await perform { bus, _ throws(BusError) -> LaunchRoute in
            // Called without asking for an owner first: the portal is usually bus-activated on
            // demand, and where none is installed the call fails at once (ServiceUnknown).
            if defaultHandler, (try? await self.openURI(url, activationToken: activationToken, on: bus)) != nil {
                return .portal
            }
            if (try? await bus.nameHasOwner(Self.systemdName)) == true,
               (try? await self.startTransientUnit(argv, activationToken: activationToken, on: bus)) != nil {
                return .transientUnit
            }
            return .direct
        }
        return route ?? .direct
    }

    /// `OpenURI(s parent_window, s uri, a{sv} options)`; the token goes in `activation_token`.
    func openURI(_ url: String, activationToken: String?, on bus: BusConnection) async throws(BusError) {
        var options: [DBusDictEntry] = []
        if let activationToken { options.append(DBusDictEntry(.string("activation_token"), .variant(.string(activationToken)))) }
        _ = try await bus.call(destination: Self.portalName, path: Self.portalPath, interface: "org.freedesktop.portal.OpenURI",
                               member: "OpenURI", args: [.string(""), .string(url), .dict(key: "s", value: "v", options)],
                               timeout: Self.launchTimeout)
    }

    /// `StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux)`: an `app-belfry-….service`
    /// whose `ExecStart` is the opener, collected once it exited, with the agent's display variables
    /// and the activation token in its environment. It runs under the user manager, not in belfry.service's cgroup.
    func startTransientUnit(_ argv: [String], activationToken: String?, on bus: BusConnection) async throws(BusError) {
        let program = Self.resolve(argv[0])
        var properties: [DBusValue] = [
            .structure([.string("Description"), .variant(.string("Link opened from Belfry"))]),
            .structure([.string("ExecStart"), .variant(.array(element: "(sasb)", [
                .structure([.string(program), .strings(argv), .bool(false)]),
            ]))]),
            .structure([.string("CollectMode"), .variant(.string("inactive-or-failed"))]),
        ]
        // The user manager's environment may lack the display (an agent started from a terminal, a
        // session that never imported it): pass the agent's own.
        var environment = Self.displayVariables.compactMap { name in getenv(name).map { "\(name)=\(String(cString: $0))" } }
        if let activationToken {
            environment += ["XDG_ACTIVATION_TOKEN=\(activationToken)", "DESKTOP_STARTUP_ID=\(activationToken)"]
        }
        if !environment.isEmpty {
            properties.append(.structure([.string("Environment"), .variant(.strings(environment))]))
        }
        let name = "app-belfry-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).service"
        _ = try await bus.call(destination: Self.systemdName, path: Self.systemdPath, interface: "org.freedesktop.systemd1.Manager",
                               member: "StartTransientUnit",
                               args: [.string(name), .string("fail"), .array(element: "(sv)", properties),
                                      .array(element: "(sa(sv))", [])],
                               timeout: Self.launchTimeout)
    }

    /// The absolute path of `program` (searched in `$PATH` when it has no slash): the user manager
    /// wants one in `ExecStart`.
    static func resolve(_ program: String) -> String {
        guard !program.contains("/") else { return program }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/\(program)", X_OK) == 0 {
            return "\(dir)/\(program)"
        }
        return program
    }
}
