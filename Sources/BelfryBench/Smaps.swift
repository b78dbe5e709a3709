import Foundation
import Glibc

/// Where a process's resident memory is, from /proc/PID/smaps: RSS and PSS summed by what is mapped
/// (the file's name, or `[heap]`, `[stack]`, `[anon]` for the rest of anonymous memory) and its
/// permissions (`r-x` code, `r--` read-only data and relocated constants, `rw-` data).
enum Smaps {
    struct Share: Equatable {
        var name: String
        var perms: String
        var rssKB = 0
        var pssKB = 0
        /// Private_Dirty + Shared_Dirty: pages the process wrote (or anonymous ones), which cannot be
        /// dropped and read back from the file the way clean file pages can.
        var dirtyKB = 0
    }

    /// Every (mapping, permissions) pair with resident pages, largest RSS first.
    static func read(_ pid: pid_t) -> [Share] {
        guard let text = readProcFile("/proc/\(pid)/smaps") else { return [] }
        var shares: [String: Share] = [:]
        var current: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5, !first.hasSuffix(":") {
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                let name = path.isEmpty ? "[anon]" : path.hasPrefix("[") ? path : (path as NSString).lastPathComponent
                let perms = String(fields[1].prefix(3))
                let key = name + " " + perms
                if shares[key] == nil { shares[key] = Share(name: name, perms: perms) }
                current = key
            } else if let key = current, fields.count >= 2, let kB = Int(fields[1]) {
                if first == "Rss:" { shares[key]?.rssKB += kB }
                if first == "Pss:" { shares[key]?.pssKB += kB }
                if first == "Private_Dirty:" || first == "Shared_Dirty:" { shares[key]?.dirtyKB += kB }
            }
        }
        return shares.values.filter { $0.rssKB > 0 }.sorted { ($0.rssKB, $0.name) > ($1.rssKB, $1.name) }
    }

    /// The whole of a /proc file: its size reads as 0, and String(contentsOfFile:) stopped after the
    /// first pages of smaps.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name perms RSS/PSS/dirty` (MB) for each share of at least `minKB` RSS, then the rest summed.
    static func summary(_ shares: [Share], minKB: Int = 256) -> String {
        func mb(_ kB: Int) -> String { String(format: "%.1f", Double(kB) / 1024) }
        let big = shares.filter { $0.rssKB >= minKB }
        let rest = shares.filter { $0.rssKB < minKB }
        func line(_ name: String, _ s: [Share]) -> String {
            "\(name) \(mb(s.reduce(0) { $0 + $1.rssKB }))/\(mb(s.reduce(0) { $0 + $1.pssKB }))/\(mb(s.reduce(0) { $0 + $1.dirtyKB }))"
        }
        var parts = big.map { line("\($0.name) \($0.perms)", [$0]) }
        if !rest.isEmpty { parts.append(line("\(rest.count) others", rest)) }
        return line("total", shares) + ": " + parts.joined(separator: "; ")
    }
}
