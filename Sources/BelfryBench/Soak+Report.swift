import BelfryControl
import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Glibc

extension Soak {
    /// The result as the body of BENCHMARKS.md's "Soak" section (scripts/soak.sh adds the heading lines).
    func markdown(_ r: Result) -> String {
        func n(_ x: Int) -> String {
            let s = String(x)
            var out = ""
            for (i, ch) in s.reversed().enumerated() {
                if i > 0, i % 3 == 0 { out.append(",") }
                out.append(ch)
            }
            return String(out.reversed())
        }
        var lines: [String] = []
        let minutes = r.seconds / 60
        let shownOK = r.missing.isEmpty && r.duplicates.isEmpty && r.summaries == 0
        let markOK = r.markNotLanded.isEmpty && r.markDuplicateCalls.isEmpty && r.markSpurious == 0 && r.markLanded == r.markRequested
        let rssOK = r.growthKB.map { $0 < 2048 } ?? false
        lines.append("| figure | measured | target | met |")
        lines.append("|---|---|---|---|")
        lines.append("| items fed | \(n(r.items)) over \(f(r.feedSeconds, 0)) s (\(f(Double(r.items) / max(r.feedSeconds, 1), 0))/s): \(n(r.perSource[Soak.vl] ?? 0)) to `vl` (visual-layer, `transport = \"stream\"`), \(n(r.perSource[Soak.bs] ?? 0)) to `bs` (bytespike, polled every 1 s) | 100,000 over ≥ 10 min | \(mark(r.items >= 100_000 && r.feedSeconds >= 600)) |")
        var shown = "\(n(r.shownOnce)) of \(n(r.items)) popped exactly once; missing \(n(r.missing.count)), shown more than once \(n(r.duplicates.count)); summary popups \(r.summaries)"
        if !r.missing.isEmpty { shown += " (first missing: \(r.missing.prefix(5).map(String.init).joined(separator: ", ")); \(r.missingNotes.prefix(5).joined(separator: "; ")))" }
        if !r.duplicates.isEmpty {
            let keys = r.duplicates.keys.sorted()
            let vl = keys.filter { $0 % 2 == 0 }.count
            shown += " (vl \(vl), bs \(keys.count - vl); items \(keys.first!)–\(keys.last!); first, item×popups: \(keys.prefix(5).map { "\($0)×\(r.duplicates[$0]!)" }.joined(separator: ", "))); \(r.duplicateNotes.prefix(5).joined(separator: "; "))"
        }
        if !r.otherPopups.isEmpty { shown += "; other popups: \(r.otherPopups.map { "\"\($0)\"" }.joined(separator: ", "))" }
        lines.append("| shown exactly once (Notify receipts per item, across restarts) | \(shown) | every item once | \(mark(shownOK)) |")
        var marks = "\(n(r.markRequested)) asked (\(n(r.markByButton)) with the popup's mark-read button, \(n(r.markByControl)) with `read` on the control socket\(r.buttonFallbacks > 0 ? ", \(r.buttonFallbacks) popup(s) closed before the click or not handled by a killed agent, marked with `read` instead" : "")); landed on the service \(n(r.markLanded)); more than one successful call \(r.markDuplicateCalls.count); calls for items never asked \(r.markSpurious)"
        if !r.markNotLanded.isEmpty { marks += " (not landed: \(r.markNotLanded.prefix(5).joined(separator: ", ")))" }
        if !r.markDuplicateCalls.isEmpty { marks += " (twice: \(r.markDuplicateCalls.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key)×\($0.value)" }.joined(separator: ", ")))" }
        lines.append("| mark-reads landed | \(marks) | every one, exactly once | \(mark(markOK)) |")
        lines.append("| mark-reads retried from the outbox | \(n(r.markFailedAttempts)) mark-read attempts answered by an injected outage, delivered later | > 0 (some land only after an outage) | \(mark(r.markFailedAttempts > 0)) |")
        let played = r.faultsPlayed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("| faults injected | \(r.injections.count - r.restarts.count) injections (schedule below); requests answered by a fault: \(played.isEmpty ? "none" : played); stream requests \(r.streamRequests); the agent's log: \(r.agentSaw.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) | 5xx, 429 + Retry-After, stream dropped mid-event, stalled stream | \(mark(!played.isEmpty)) |")
        lines.append("| restarts | \(r.restarts.joined(separator: "; "))\(r.agentExits.isEmpty ? "" : "; " + r.agentExits.joined(separator: "; ")) | kill -9 and SIGTERM, resumed from the state file | \(mark(r.restarts.count >= 2 && r.agentExits.isEmpty)) |")
        if let b = r.baseline, let e = r.end {
            lines.append("| agent memory (last process, started at \(f(r.samples.first { $0.generation == e.generation }?.t ?? 0, 0)) s) | RSS \(mb(b.rssKB)) at \(f(b.t, 0)) s (warm-up: \(f(warmUp, 0)) s after its start) → \(mb(e.rssKB)) at \(f(e.t, 0)) s: \(r.growthKB! >= 0 ? "+" : "")\(r.growthKB!) kB; PSS \(mb(b.pssKB)) → \(mb(e.pssKB)); RSS range over that window \(mb(r.samples.filter { $0.generation == e.generation && $0.t >= b.t }.map(\.rssKB).min() ?? 0))–\(mb(r.samples.filter { $0.generation == e.generation && $0.t >= b.t }.map(\.rssKB).max() ?? 0)) | growth < 2 MB after warm-up | \(mark(rssOK)) |")
        } else {
            lines.append("| agent memory | no sample after warm-up (the last agent process lived \(f(r.lastGenerationSeconds, 0)) s) | growth < 2 MB after warm-up | **no** |")
        }
        lines.append("| catch-up | every item shown and every mark-read landed \(f(r.catchUpSeconds, 1)) s after the last post; at the end: pending mark-reads \(r.pendingAtEnd), popups waiting \(r.waitingAtEnd) | bounded (\(f(catchUp, 0)) s) | \(mark(r.catchUpSeconds <= catchUp && r.pendingAtEnd == 0)) |")
        lines.append("| agent CPU (last process) | \(f(r.agentCPUSeconds, 1)) s over \(f(r.lastGenerationSeconds, 0)) s (\(f(r.agentCPUSeconds / max(r.lastGenerationSeconds, 1) * 100, 1)) % of a core); \(r.logWarnings) warning lines in the agent's logs | — | — |")
        lines.append("| token in the agent's logs | \(r.tokenInLogs ? "**found**" : "never") | never | \(mark(!r.tokenInLogs)) |")
        lines.append("")
        lines.append("Result: **\(r.passed ? "passed" : "FAILED")**\(minutes < 10 ? " (a short run, not the recorded one)" : "").")
        lines.append("")
        lines.append("Schedule as it ran (seconds from the first item):")
        lines.append("")
        for i in r.injections { lines.append("- \(i)") }
        lines.append("")
        lines.append("Memory samples (every 5 s; RSS of the agent, generation = agent process):")
        lines.append("")
        var compact: [String] = []
        var lastGen = 0
        for s in r.samples where compact.isEmpty || Int(s.t) % 30 < 5 || s.generation != lastGen {
            compact.append("\(f(s.t, 0)) s g\(s.generation) \(mb(s.rssKB))")
            lastGen = s.generation
        }
        lines.append(compact.joined(separator: " · "))
        return lines.joined(separator: "\n")
    }
}
