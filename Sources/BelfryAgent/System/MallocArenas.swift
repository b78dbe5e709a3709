import CBelfryLinux

/// glibc's malloc gives a thread that finds the arenas busy an arena of its own, up to 8 per core, and
/// each arena keeps its own high-water mark. The agent's work hops between the cooperative pool's
/// threads, libcurl's thread and the bus owner thread, so under a burst its resident memory rose in
/// ~10 MB steps that stayed (docs/benchmark-notes.md, "Sustained memory"). Two arenas keep that flat at
/// the same speed; one was ~10 % slower.
public enum MallocArenas {
    /// The agent's cap: measured level from the fourth round of a 14-round sustained run.
    public static let agentLimit: Int32 = 2

    /// Caps glibc's malloc arenas at `count`, unless the user set `MALLOC_ARENA_MAX` (glibc reads that
    /// itself at start, and the user's word wins). Call it first, before other threads allocate.
    /// Returns whether the cap was set here.
    @discardableResult
    public static func limit(to count: Int32 = agentLimit, environment: [String: String]) -> Bool {
        guard count > 0, environment["MALLOC_ARENA_MAX"] == nil else { return false }
        return mallopt(M_ARENA_MAX, count) == 1
    }
}
