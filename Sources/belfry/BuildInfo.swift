import CBelfryBuildInfo

/// What `belfry --version` prints: `0.1.0 (abc1234)`.
///
/// `number` is the one place the version is written: the package scripts read it
/// from this file (`scripts/version.sh`), so the .deb's version is this one. The commit comes from
/// the build: `make install`/`make deb` set BELFRY_COMMIT, which Package.swift hands to the C target
/// CBelfryBuildInfo as a define; a plain `swift build` says "commit unknown".
enum BelfryVersion {
    static let number = "0.1.0"

    static var commit: String {
        let c = String(cString: belfry_build_commit())
        return c.isEmpty ? "commit unknown" : c
    }

    static var string: String { "\(number) (\(commit))" }
}
