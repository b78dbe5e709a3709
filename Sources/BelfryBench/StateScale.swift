import BelfryCore
import Foundation

/// Figure 6: the state file with 100,000 seen keys (one source): save (encode, write, fsync, rename),
/// load (read, decode), the file size, and lookups in the seen dictionary at 10,000 and 100,000 keys
/// (a Swift Dictionary: hashed, so the time per lookup should not grow with the count).
struct StateScale {
    struct Result {
        var saveMS: [Double] = []
        var loadMS: [Double] = []
        var bytes = 0
        var lookupNS: [Int: Double] = [:]
        var hotLookupNS: [Int: Double] = [:]
        var floorStringsMS: [Double] = []
        var floorInsertMS: [Double] = []
    }

    var keys = 100_000
    var runs = 5

    func run() throws -> Result {
        let scratch = try Scratch("state")
        var r = Result()
        var state = PersistedState()
        state.sources["bench"] = SourceState(initialized: true, seen: makeSeen(keys), lastEventID: "x")
        let file = StateFile(path: scratch.path + "/state.json")
        for _ in 0..<runs {
            let t0 = nowNS()
            try file.save(state)
            let t1 = nowNS()
            let loaded = try file.load(warning: { _ in })
            let t2 = nowNS()
            guard loaded.sources["bench"]?.seen.count == keys else { throw BenchError("state did not round-trip") }
            r.saveMS.append(ms(t1 - t0))
            r.loadMS.append(ms(t2 - t1))
        }
        // The floor under a load: the same 100,000 keys made into Strings from bytes, and inserted
        // with their records into a dictionary sized in advance (no parsing at all).
        let keyBytes = state.sources["bench"]!.seen.keys.map { Array($0.utf8) }
        let records = Array(state.sources["bench"]!.seen.values)
        for _ in 0..<runs {
            let t0 = nowNS()
            let strings = keyBytes.map { String(decoding: $0, as: UTF8.self) }
            let t1 = nowNS()
            var d: [String: SeenRecord] = [:]
            d.reserveCapacity(strings.count)
            for (k, v) in zip(strings, records) { d[k] = v }
            let t2 = nowNS()
            precondition(d.count == keys)
            r.floorStringsMS.append(ms(t1 - t0))
            r.floorInsertMS.append(ms(t2 - t1))
        }
        r.bytes = Int((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0)
        for n in [10_000, 100_000] {
            let seen = makeSeen(n)
            // Spread over the whole table (half hits, half misses): what a lookup costs when the table
            // and its keys are mostly out of the CPU caches.
            let spread = (0..<200_000).map { "bench:item-\(($0 &* 7919) % (n * 2))" }
            r.lookupNS[n] = lookupTime(seen, spread)
            // The same 200,000 probes over 64 distinct keys (half hits; few enough that their pages stay in the TLB): the work per lookup with
            // the memory hierarchy taken out. A lookup that grew with the table would show it here.
            let hot = (0..<200_000).map { "bench:item-\((($0 % 64) &* 7919) % (n * 2))" }
            r.hotLookupNS[n] = lookupTime(seen, hot)
        }
        return r
    }

    private func lookupTime(_ seen: [String: SeenRecord], _ probes: [String]) -> Double {
        var hits = 0
        let t0 = nowNS()
        for p in probes where seen[p] != nil { hits += 1 }
        let t1 = nowNS()
        precondition(hits > 0)
        return Double(t1 - t0) / Double(probes.count)
    }

    private func makeSeen(_ n: Int) -> [String: SeenRecord] {
        var seen: [String: SeenRecord] = [:]
        seen.reserveCapacity(n)
        let t = Date().timeIntervalSince1970
        // Every record with a revision (an updated_at in seconds), the worst case since issue 15.
        for i in 0..<n { seen["bench:item-\(i)"] = SeenRecord(firstSeen: t - Double(i), read: i % 3 == 0, revision: Int64(t) - Int64(i)) }
        return seen
    }
}
