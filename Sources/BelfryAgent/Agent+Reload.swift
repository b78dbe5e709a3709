import BelfryCore

extension Agent {
    /// Applies a re-read config without dropping state: sources are replaced, tokens re-read, state of
    /// removed sources forgotten, popups of kept sources left alone.
    public func apply(_ newConfig: BelfryConfig) {
        config = newConfig
        sources.removeAll()
        tokens.removeAll()
        authWarned.removeAll()
        var wakes: [String: Wakeup] = [:]
        var newHealth: [String: SourceHealth] = [:]
        for s in newConfig.sources where s.enabled {
            sources[s.name] = s
            wakes[s.name] = feedWakes[s.name] ?? Wakeup()
            newHealth[s.name] = health[s.name] ?? SourceHealth()
        }
        feedWakes = wakes
        health = newHealth
        composer.desktop = newConfig.desktop
        limiter = BurstLimiter(limit: newConfig.desktop.burstLimit, window: newConfig.desktop.burstWindow)
        inbox.maxSeen = newConfig.agent.maxSeen
        inbox.forgetSources(except: Set(sources.keys))
        stateChanged()
        publish()
    }
}

extension Agent {
    /// Set by the runner: what `reload` on the control socket does (same as SIGHUP).
    public func setReloadHandler(_ handler: @escaping @Sendable () async -> String?) { reloadHandler = handler }

    /// Re-reads the config; nil when it is in force, else why it was refused (the running one stays).
    @discardableResult
    public func reload() async -> String? {
        guard let reloadHandler else { return "reload is not available" }
        return await reloadHandler()
    }
}

extension Agent {
    public func lastEventID(_ source: String) -> String? { inbox.state.sources[source]?.lastEventID }

    public func setLastEventID(_ id: String, source: String) {
        inbox.setLastEventID(id, source: source)
    }

    func logFeed(_ source: String, _ message: String) {
        logger.info("\(source): \(message)")
    }
}

extension Agent {
    /// After a suspend: every feed polls now and every stream reconnects (then catches up).
    public func resumedFromSleep() {
        logger.info("resumed from suspend: reconnecting and catching up")
        for w in feedWakes.values { w.fire() }
        for w in resumeWakes.values { w.fire() }
    }

    /// Fired on resume from suspend: the stream session of `source` ends so it reconnects at once.
    func resumeWake(for source: String) -> Wakeup {
        if let w = resumeWakes[source] { return w }
        let w = Wakeup()
        resumeWakes[source] = w
        return w
    }
}
