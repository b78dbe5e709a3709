import BelfryAgent
import Testing

/// `belfry run` caps glibc's malloc arenas at start (flat memory under a burst, BENCHMARKS.md), but the
/// user's own MALLOC_ARENA_MAX, which glibc has already applied, is left in force.
@Suite struct MallocArenasTests {
    @Test func theUsersMallocArenaMaxWins() {
        #expect(!MallocArenas.limit(environment: ["MALLOC_ARENA_MAX": "8"]))
    }

    @Test func aNonPositiveCapIsRefusedNotPassedToGlibc() {
        #expect(!MallocArenas.limit(to: 0, environment: [:]))
        #expect(!MallocArenas.limit(to: -1, environment: [:]))
    }

    @Test func theCapIsSetWhenTheUserSetNone() {
        #expect(MallocArenas.limit(environment: ["HOME": "/home/user"]))
        #expect(MallocArenas.agentLimit == 2)
    }
}
