import BelfryCore
import Glibc

/// What the control socket and `belfry` verbs see (docs/control.md documents these shapes).
extension Agent {
    var isPaused: Bool {
        switch pause {
        case nil: false
        case .indefinitely: true
        case .until(let end): end > monotonic()
        }
    }

    /// When a timed pause ends, on the wall clock (for display only).
    var pausedUntilWallClock: Double? {
        guard case .until(let end) = pause else { return nil }
        let left = end - monotonic()
        return left > 0 ? now() + left : nil
    }

    /// Inside the configured quiet hours (local time). Quiet hours are a time of day, so they follow
    /// the wall clock, jumps included.
    var isQuiet: Bool {
        guard let q = config.desktop.quietHours else { return false }
        var t = time_t(now())
        var tm = Glibc.tm()
        localtime_r(&t, &tm)
        return q.contains(minuteOfDay: Int(tm.tm_hour) * 60 + Int(tm.tm_min))
    }

    public func unreadItems(source: String? = nil) -> [Item] {
        inbox.unread.filter { source == nil || $0.key == source }.values.flatMap(\.values)
            .sorted { ($0.createdAt ?? 0, $0.key) > ($1.createdAt ?? 0, $1.key) }
    }

    public var sourceNames: Set<String> { Set(sources.keys) }

    public func countJSON() -> JSONValue {
        var per: [String: JSONValue] = [:]
        var total = 0
        for name in sources.keys.sorted() {
            let n = inbox.unread[name]?.count ?? 0
            per[name] = .number(Double(n))
            total += n
        }
        return ["total": .number(Double(total)), "sources": .object(per)]
    }

    public static func itemJSON(_ item: Item) -> JSONValue {
        var o: [String: JSONValue] = [
            "key": .string(item.key), "source": .string(item.source), "id": .string(item.id), "type": .string(item.type),
            "title": .string(item.title), "body": .string(item.body), "unread": .bool(!item.isRead),
            "urgency": .string(item.urgency.name), "link": item.link.map { .string($0) } ?? .null,
            "created_at": item.createdAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
        if let c = item.count { o["count"] = .number(Double(c)) }
        return .object(o)
    }

    public func statusJSON() -> JSONValue {
        var list: [JSONValue] = []
        for s in config.sources {
            let h = health[s.name] ?? SourceHealth()
            var entry: [String: JSONValue] = [
                "name": .string(s.name), "preset": .string(s.preset), "enabled": .bool(s.enabled),
                "state": .string(s.enabled ? h.state : "disabled"), "transport": .string(h.transport),
                "last_success": h.lastSuccess.map { .string(Timestamp.format($0)) } ?? .null,
                "last_error": h.lastError.map { .string($0) } ?? .null,
                "unread": .number(Double(inbox.unread[s.name]?.count ?? 0)),
            ]
            entry.merge(politeStatus(s.name)) { old, _ in old }
            list.append(.object(entry))
        }
        let server: JSONValue = serverInfo.map {
            ["name": .string($0.name), "vendor": .string($0.vendor), "version": .string($0.version),
             "capabilities": .array($0.capabilities.sorted().map { .string($0) })]
        } ?? .null
        return [
            "sources": .array(list), "paused": .bool(isPaused), "quiet_hours": .bool(isQuiet),
            "paused_until": pausedUntilWallClock.map { .string(Timestamp.format($0)) } ?? .null,
            "notification_server": server, "pending_actions": .number(Double(inbox.state.outbox.count)),
            "waiting_popups": .number(Double(waiting.count)),
        ]
    }

    /// The line `subscribe` pushes on every change (`belfry watch`).
    public func snapshotJSON() -> JSONValue {
        var o = countJSON().object ?? [:]
        o["paused"] = .bool(isPaused)
        o["last_item"] = lastItemKey.map { .string($0) } ?? .null
        return .object(o)
    }

    public func subscribe() -> AsyncStream<JSONValue> {
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.yield(snapshotJSON())
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    func unsubscribe(_ id: Int) { subscribers.removeValue(forKey: id) }

    func publish() {
        guard !subscribers.isEmpty else { return }
        let snap = snapshotJSON()
        for c in subscribers.values { c.yield(snap) }
    }

    /// Do not disturb: items are still recorded; held ones are summarised on resume.
    public func pause(for duration: Duration?) {
        pause = duration.map { .until(monotonic() + $0.seconds) } ?? .indefinitely
        publish()
    }

    public func resume() async {
        pause = nil
        let items = held.filter { inbox.unread[$0.source]?[$0.id] != nil }
        held.removeAll()
        var bySource: [String: [String]] = [:]
        for item in items { bySource[item.source, default: []].append(item.key) }
        for (s, keys) in bySource.sorted(by: { $0.key < $1.key }) {
            if let src = sources[s] { await showSummary(source: src, keys: Array(Set(keys)).sorted(), backlog: false) }
        }
        publish()
    }

    /// Polls now (`belfry sync`).
    public func syncNow(source: String?) -> Int {
        var n = 0
        for (name, w) in feedWakes where source == nil || source == name {
            w.fire()
            n += 1
        }
        return n
    }

    /// Opens an item's link as a click would, and marks it read.
    public func openItem(key: String) async -> Bool {
        guard let (s, id) = Item.splitKey(key), let item = inbox.unread[s]?[id] ?? nil else { return false }
        if let link = await webLink(keys: [key], fallback: item.link) { await open(link, activationToken: nil) }
        await markRead(keys: [key])
        return true
    }
}
