// swift-tools-version:6.1
import PackageDescription

// The git commit `belfry --version` names: `make install`/`make deb` set BELFRY_COMMIT
// (scripts/build-release.sh); without it the binary says "commit unknown". Only [0-9A-Za-z.+-] pass.
let commit = String((Context.environment["BELFRY_COMMIT"] ?? "").filter { $0.isASCII && ($0.isLetter || $0.isNumber || "-.+".contains($0)) })

// Layering (see DESIGN.md): C libraries are reached only through CCurl/CDBus, and only
// BelfryHTTP/BelfryDBus import those. BelfryCore is pure Swift. Hummingbird is used by the
// provider emulator and the tests only, never by the `belfry` agent binary.
let package = Package(
    name: "belfry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "belfry", targets: ["belfry"]),
        .executable(name: "belfry-emulator", targets: ["BelfryEmulator"]),
        .executable(name: "belfry-bench", targets: ["BelfryBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Already in the graph through Hummingbird; named for the emulator's locks and channel handler.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CDBus",
            pkgConfig: "dbus-1",
            providers: [.apt(["libdbus-1-dev"])]
        ),
        .systemLibrary(name: "CBelfryLinux"),
        .target(name: "CBelfryBuildInfo", cSettings: commit.isEmpty ? [] : [.define("BELFRY_COMMIT", to: "\"\(commit)\"")]),
        .target(
            name: "BelfryCore",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BelfryControl",
            dependencies: [
                "BelfryCore", "CBelfryLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "BelfryHTTP", dependencies: ["CCurl", "BelfryCore"]),
        .target(name: "BelfryDBus", dependencies: ["CDBus", "BelfryCore"]),
        // Test doubles with real parts (a private dbus-daemon, a fake notification server); tests only.
        .target(name: "BelfryTestSupport", dependencies: ["BelfryDBus", "BelfryCore"]),
        .target(
            name: "BelfryAgent",
            dependencies: [
                "BelfryCore", "BelfryHTTP", "BelfryDBus", "BelfryControl", "CBelfryLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "belfry",
            dependencies: [
                "BelfryAgent", "BelfryCore", "BelfryControl", "CBelfryBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // swiftc 6.3 installs a `DefaultExecutorFactory` (Sources/belfry/AgentExecutor.swift: no
            // once-a-second libdispatch wake-up while idle) only with availability checking off.
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-availability-checking"])]
        ),
        // The provider emulator: a loopback fake of the five provider APIs (docs/emulator.md).
        .target(
            name: "BelfryEmulatorKit",
            dependencies: [
                "BelfryCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "BelfryEmulator",
            dependencies: [
                "BelfryEmulatorKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark suite (make bench, BENCHMARKS.md): drives the release `belfry` binary and the
        // agent in process against the emulator and a private bus. Never linked into `belfry`.
        .executableTarget(
            name: "BelfryBench",
            dependencies: [
                "BelfryAgent", "BelfryControl", "BelfryCore", "BelfryDBus", "BelfryHTTP", "BelfryTestSupport", "BelfryEmulatorKit",
                "CBelfryLinux", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "BelfryCoreTests", dependencies: ["BelfryCore", "BelfryTestSupport"]),
        .testTarget(name: "BelfryControlTests", dependencies: ["BelfryControl", "BelfryCore"]),
        .testTarget(
            name: "BelfryHTTPTests",
            dependencies: [
                "BelfryHTTP", "BelfryCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "BelfryDBusTests", dependencies: ["BelfryDBus", "BelfryTestSupport", "BelfryCore"]),
        .testTarget(
            name: "BelfryAgentTests",
            dependencies: [
                "BelfryAgent", "BelfryCore", "BelfryDBus", "BelfryHTTP", "BelfryControl", "BelfryTestSupport",
                "BelfryEmulatorKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // dunst under Xvfb on a private bus, the emulator and the agent: the end-to-end proof (issue 6).
        .testTarget(
            name: "BelfryE2ETests",
            dependencies: [
                "BelfryAgent", "BelfryCore", "BelfryDBus", "BelfryHTTP", "BelfryTestSupport", "BelfryEmulatorKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BelfryEmulatorTests",
            dependencies: [
                "BelfryEmulatorKit", "BelfryCore", "BelfryHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)
