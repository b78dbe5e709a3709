import BelfryCore

extension Agent {
    /// One signal from the notification server about our popups.
    public func handle(_ event: DesktopEvent) async {
        // The server answers Notify before it signals about that popup, but the answer may not be
        // recorded yet: record what is in flight first.
        if !inFlight.isEmpty { await settle() }
        if summariesInFlight { await settleSummaries() }
        switch event {
        case .activationToken(let id, let token):
            if popups[id] != nil { activationTokens[id] = token }
        case .actionInvoked(let id, let key):
            guard let popup = popups[id] else { return }
            let token = activationTokens.removeValue(forKey: id)
            switch key {
            case "default", "open":
                if let link = await webLink(keys: popup.keys, fallback: popup.link) { await open(link, activationToken: token) }
                if config.desktop.markReadOn.contains("open") { await markRead(keys: popup.keys) }
            case "mark-read":
                if config.desktop.markReadOn.contains("mark-read") { await markRead(keys: popup.keys) }
                forget(popup: id)
                try? await sink.close(id: id)
            default:
                logger.debug("ignoring unknown action \(key) on popup \(id)")
            }
        case .closed(let id, let reason):
            guard let popup = popups[id] else { return }
            // Only an explicit dismissal counts; servers report "expired" for many other things.
            if reason == 2, config.desktop.markReadOn.contains("dismiss") { await markRead(keys: popup.keys) }
            forget(popup: id)
        case .serverAppeared:
            logger.info("a notification server appeared")
            // A server that took the name over without leaving first: ids from before are stale. After
            // a vanish (or a lost bus) they were dropped then, and a popup shown since (a call can
            // reconnect before this event is handled) is on the new server and is kept.
            if !popupsDropped { forgetAllPopups() }
            popupsDropped = false
            serverInfo = nil
            await refreshServer()
            await showWaiting()
        case .serverVanished:
            logger.notice("the notification server left the bus; popups will wait for one")
            forgetAllPopups()
            popupsDropped = true
            serverInfo = nil
        case .busLost:
            busUnavailable("the session bus went away")
            forgetAllPopups()
            popupsDropped = true
            serverInfo = nil
        }
    }

    func forgetAllPopups() {
        popups.removeAll()
        popupByKey.removeAll()
        summaryBySource.removeAll()
        activationTokens.removeAll()
    }

    /// One warning when the session bus is lost or cannot be reached, not one per item; `refreshServer`
    /// says when it is back.
    func busUnavailable(_ detail: String) {
        guard !busDown else { return }
        busDown = true
        logger.warning("\(detail): popups wait until it is back (items are still followed, recorded and listed); reconnecting")
    }

    func forget(popup id: UInt32) {
        guard let popup = popups.removeValue(forKey: id) else { return }
        activationTokens.removeValue(forKey: id)
        for key in popup.keys where popupByKey[key] == id { popupByKey.removeValue(forKey: key) }
        if summaryBySource[popup.source] == id { summaryBySource.removeValue(forKey: popup.source) }
    }

    /// Opens a deep link, only http and https, outside the agent's unit where it can (the OpenURI
    /// portal for the plain `xdg-open` opener, else a transient unit running the opener; see
    /// `LaunchRoute`), else with the configured opener as its child (argv, never a shell). The route
    /// is logged when it changes.
    func open(_ link: String, activationToken: String?) async {
        let lower = link.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            logger.warning("refusing to open a link that is not http(s)")
            return
        }
        let opener = config.desktop.opener
        let route = await sink.launch(opener + [link], url: link, defaultHandler: opener == ["xdg-open"],
                                      activationToken: activationToken)
        if route != launchRoute {
            logger.notice("links open through \(route)")
            launchRoute = route
        }
        guard route == .direct else { return }
        var env: [String: String] = [:]
        if let activationToken {
            env["XDG_ACTIVATION_TOKEN"] = activationToken
            env["DESKTOP_STARTUP_ID"] = activationToken
        }
        do {
            try Spawn.detached(config.desktop.opener + [link], extraEnv: env)
        } catch {
            logger.error("cannot open the link: \(error.message)")
        }
    }

    /// The user read these items (`SOURCE:ID`): recorded now, delivered to the service by the outbox.
    @discardableResult
    public func markRead(keys: [String]) async -> [String] {
        var bySource: [String: [String]] = [:]
        for key in keys {
            guard let (s, id) = Item.splitKey(key), sources[s] != nil else { continue }
            bySource[s, default: []].append(id)
        }
        var changed: [String] = []
        for (s, ids) in bySource.sorted(by: { $0.key < $1.key }) {
            changed += inbox.markRead(source: sources[s]!, ids: ids, now: now())
        }
        for key in changed where popupByKey[key] != nil { await closePopup(forKey: key) }
        outboxWake.fire()
        stateChanged()
        publish()
        return changed
    }

    /// Marks all of one source (or every source) read.
    public func markAllRead(source name: String?) async -> Int {
        var n = 0
        for s in sources.values.sorted(by: { $0.name < $1.name }) where name == nil || name == s.name {
            let keys = inbox.markAllRead(source: s, now: now())
            n += keys.count
            for key in keys { await closePopup(forKey: key) }
        }
        outboxWake.fire()
        stateChanged()
        publish()
        return n
    }
}
