import BelfryCore
import Glibc

/// Resolves a source's `TokenSource` to the token. Errors name the source and where the token was
/// looked for, never the token.
public enum TokenLoader {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func load(_ token: TokenSource?, source: String, environment: [String: String],
                            warn: (String) -> Void = { _ in }) throws(Failure) -> String? {
        guard let token else { return nil }
        let value: String
        switch token {
        case .inline(let t):
            value = t
        case .env(let name):
            guard let v = environment[name], !v.isEmpty else {
                throw Failure(message: "source \"\(source)\": the environment variable \(name) (token_env) is not set")
            }
            value = v
        case .file(let raw):
            let path = expandHome(raw, environment: environment)
            value = try readSecretFile(path, source: source, what: "token_file", warn: warn)
        case .credential(let name):
            guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else {
                throw Failure(message: "source \"\(source)\": token_credential \(name) needs $CREDENTIALS_DIRECTORY (LoadCredential= in the unit)")
            }
            value = try readSecretFile(dir + "/" + name, source: source, what: "credential", warn: { _ in })
        case .command(let argv):
            do {
                value = try Spawn.output(argv.map { expandHome($0, environment: environment) })
            } catch {
                throw Failure(message: "source \"\(source)\": token_command failed: \(error.message)")
            }
        }
        let trimmed = value.split(whereSeparator: \.isNewline).first.map(String.init)?
            .trimmingCharacters(in: " \t") ?? ""
        guard !trimmed.isEmpty else { throw Failure(message: "source \"\(source)\": the \(token) gave an empty token") }
        return trimmed
    }

    /// `load` on a thread of its own: a `token_command` (or a slow file system) may block for
    /// seconds, which must not hold a thread of Swift's cooperative pool or the agent actor.
    public static func loadOffPool(_ token: TokenSource?, source: String, environment: [String: String],
                                   warn: @escaping @Sendable (String) -> Void) async throws(Failure) -> String? {
        try await DetachedThread.run(name: "belfry-token") { () throws(Failure) -> String? in
            try load(token, source: source, environment: environment, warn: warn)
        }
    }

    public static func expandHome(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (environment["HOME"] ?? "") + path.dropFirst()
    }

    /// Reads a small secret file, warning when group or others may read it.
    static func readSecretFile(_ path: String, source: String, what: String, warn: (String) -> Void) throws(Failure) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Failure(message: "source \"\(source)\": cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & 0o077 != 0 {
            warn("source \"\(source)\": \(path) can be read by other users (mode \(String(st.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let f = fopen(path, "r") else {
            throw Failure(message: "source \"\(source)\": cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var buf = [UInt8](repeating: 0, count: 16 << 10)
        let n = fread(&buf, 1, buf.count, f)
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    /// Modification time of a token file (to retry after the user replaced a refused token).
    public static func fileStamp(_ token: TokenSource?, environment: [String: String]) -> Int? {
        guard case .file(let raw) = token else { return nil }
        var st = stat()
        guard stat(expandHome(raw, environment: environment), &st) == 0 else { return nil }
        return Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
