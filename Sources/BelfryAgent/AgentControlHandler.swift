import BelfryControl
import BelfryCore

/// The control-socket methods of docs/control.md, answered by the agent.
public struct AgentControlHandler: ControlHandler {
    let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func handle(method: String, params: JSONValue?) async throws(ControlError) -> JSONValue {
        let p = params?.object ?? [:]
        switch method {
        case "status":
            return await agent.statusJSON()
        case "count":
            let c = await agent.countJSON()
            guard let s = try await source(p) else { return c }
            return ["total": c["sources"]?[s] ?? 0, "sources": .object([s: c["sources"]?[s] ?? 0])]
        case "list":
            // `unread` is accepted for scripts but changes nothing: the agent keeps unread items only.
            return await agent.listJSON(try ListQuery.parse(p, source: try await source(p)))
        case "open":
            guard let key = p["key"]?.string else { throw .invalidParams("open needs {\"key\": \"SOURCE:ID\"}") }
            guard await agent.openItem(key: key) else { throw ControlError(code: ControlError.Code.notFound, message: "no unread item \(key)") }
            return ["opened": .string(key)]
        case "read":
            if p["all"]?.bool == true {
                let n = await agent.markAllRead(source: try await source(p))
                return ["marked": .number(Double(n))]
            }
            guard let keys = p["keys"]?.array?.compactMap(\.string), !keys.isEmpty else {
                throw .invalidParams("read needs {\"keys\": [\"SOURCE:ID\", …]} or {\"all\": true}")
            }
            for key in keys where Item.splitKey(key) == nil {
                throw .invalidParams("\"\(key)\" is not an item key (SOURCE:ID)")
            }
            let changed = await agent.markRead(keys: keys)
            return ["marked": .number(Double(changed.count)), "keys": .array(changed.map { .string($0) })]
        case "pause":
            var duration: Duration?
            if let text = p["duration"]?.string {
                do { duration = try DurationText.parse(text) } catch { throw .invalidParams(error.description) }
            }
            await agent.pause(for: duration)
            return await agent.snapshotJSON()
        case "resume":
            await agent.resume()
            return await agent.snapshotJSON()
        case "sync":
            let n = await agent.syncNow(source: try await source(p))
            return ["syncing": .number(Double(n))]
        case "reload":
            if let refusal = await agent.reload() {
                throw ControlError(code: ControlError.Code.invalidParams, message: "the new config was refused; the running one stays:\n\(refusal)")
            }
            return await agent.statusJSON()
        default:
            throw .methodNotFound(method)
        }
    }

    public func subscribe(params: JSONValue?) async throws(ControlError) -> AsyncStream<JSONValue> {
        await agent.subscribe()
    }

    /// The optional `source` param, checked against the configured sources.
    private func source(_ p: [String: JSONValue]) async throws(ControlError) -> String? {
        guard let v = p["source"] else { return nil }
        guard let s = v.string else { throw .invalidParams("source must be a string") }
        let known = await agent.sourceNames
        guard known.contains(s) else {
            throw .invalidParams("no source named \"\(s)\" (configured: \(known.sorted().joined(separator: ", ")))")
        }
        return s
    }
}
