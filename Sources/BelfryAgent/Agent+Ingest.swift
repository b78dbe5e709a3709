import BelfryCore

extension Agent {
    /// Records what a feed reported and shows what is new. `complete`: a full unread listing (poll);
    /// false for a streamed item. `serviceTime`: the service's own time when it answered (its `Date`
    /// header): items are aged for `max_age` on the service's clock, not on a local one that may be wrong.
    /// `cut`: a poll's listing that max_pages cut; `total`: the service's count of the whole listing.
    public func ingest(_ items: [Item], source name: String, complete: Bool, serviceTime: Double? = nil,
                       cut: Bool = false, total: Int? = nil) async {
        guard let source = sources[name] else { return }
        if let serviceTime { serviceClocks[name] = (serviceTime, monotonic()) }
        let outcome = inbox.ingest(items, from: source, complete: complete, now: now(), maxAge: config.desktop.maxAge,
                                   serviceNow: serviceNow(name), cut: cut, total: total)
        // After the listing is applied, so held items read elsewhere meanwhile are not summarised.
        if !held.isEmpty, !isPaused, !isQuiet { await resume() }
        if outcome.silent > 0 { logger.debug("\(name): \(outcome.silent) item(s) recorded without a popup") }
        presenting += 1
        await present(outcome, source: source)
        presenting -= 1
        stateChanged()
        if !outcome.isEmpty { publish() }
    }

    /// Records items in the state journal just before their popup is sent: the state file itself is
    /// written after a debounce, and an item that popped must not pop again if the agent dies before
    /// that. Per popup, right before its `Notify`: journaling a whole listing before the first popup
    /// lost the items still waiting their turn when the agent died (seen in the soak), and journaling
    /// after the reply left the whole round trip, plus any wait for the actor (a state save runs on
    /// it), for a death to show the item twice (about one kill in two at 170 items/s). A death in
    /// the moment between this write and the message leaving the process loses that one popup (the
    /// item is still listed and counted); it also means an item whose popup crashes the agent is not
    /// retried in a crash loop.
    func journal(_ keys: [String]) {
        guard !keys.isEmpty, let stateFile else { return }
        do {
            try stateFile.journal(keys)
            journaledDuringSave?.append(contentsOf: keys)  // not in the snapshot being written
        } catch {
            logger.warning("cannot write the state journal: \(error.message); a crash before the next save may show these items again")
        }
    }

    func present(_ outcome: Inbox.Outcome, source: SourceConfig) async {
        for key in outcome.readElsewhere { await closePopup(forKey: key) }
        var fresh = outcome.fresh
        var unlisted = outcome.unlisted  // counted by the service beyond a cut listing: said in a summary
        if !outcome.backlog.isEmpty {
            switch config.desktop.firstRun {
            case .summary:
                logger.info("\(source.name): first start, \(outcome.backlog.count + unlisted) unread item(s) summarised")
                await showSummary(source: source, keys: outcome.backlog.map(\.key), backlog: true, extra: unlisted)
                unlisted = 0
            case .all: fresh = outcome.backlog + fresh
            case .none:
                logger.info("\(source.name): first start, \(outcome.backlog.count + unlisted) unread item(s) recorded silently")
                unlisted = 0
            }
        }
        var folded: [String] = []
        let paused = isPaused
        let quiet = isQuiet
        for item in outcome.updated {
            if paused || (quiet && item.urgency < .critical) { held.append(item); continue }
            await show(item, replacing: popupByKey[item.key] ?? 0)
        }
        for item in fresh {
            lastItemKey = item.key
            if paused || (quiet && item.urgency < .critical) {
                held.append(item)
            } else if limiter.allow(now: monotonic()) {
                await show(item, replacing: popupByKey[item.key] ?? 0)  // new activity replaces its popup
            } else {
                folded.append(item.key)
            }
        }
        // Logged when the summary update leaves (at most 4 a second), not per item of a flood.
        if !folded.isEmpty || unlisted > 0 { await showSummary(source: source, keys: folded, backlog: false, extra: unlisted) }
    }

    func show(_ item: Item, replacing: UInt32) async {
        if serverInfo == nil { await refreshServer() }  // compose for the server's capabilities
        var replacing = replacing
        if replacing == 0, inFlightByKey[item.key] != nil {
            // An update of a popup still in flight: replace it, not pop a second one.
            await settle()
            replacing = popupByKey[item.key] ?? 0
        }
        let n = composer.popup(for: item, source: sources[item.source], replacing: replacing)
        journal([item.key])  // before it leaves: after a kill -9 it is not shown again
        await launch(n, popup: Popup(source: item.source, keys: [item.key], link: item.link, isSummary: false),
                     key: item.key, orWait: .item(item))
    }

    /// Sends an item's popup without waiting for the server's answer (many are in flight under
    /// load: a round trip per popup capped the rate near 2,000/s). The id is recorded when the answer
    /// comes (`land`); anything that needs it first calls `settle()`.
    func launch(_ n: DesktopNotification, popup: Popup, key: String, orWait w: Waiting) async {
        guard serverInfo != nil else {
            wait(w)
            return
        }
        // Back-pressure: a bounded number in flight, so a burst neither grows without limit nor
        // makes libdbus track thousands of pending calls.
        if inFlight.count >= Self.maxInFlight, let oldest = inFlight.keys.min() { await settle(through: oldest) }
        let pending: PendingPopup
        do {
            pending = try await sink.submit(n)
        } catch {
            popupFailed(error, orWait: w)
            return
        }
        let flight = nextFlight
        nextFlight += 1
        inFlight[flight] = InFlight(pending: pending, popup: popup, key: key, waiting: w)
        inFlightByKey[key] = flight
        if let answered = pending.answered {
            land(flight, answered)
        } else {
            Task {
                let result: Result<UInt32, any Error>
                do { result = .success(try await pending.id()) } catch { result = .failure(error) }
                self.land(flight, result)  // the task runs on the agent
            }
        }
    }

    /// Records the answer to a popup in flight (once; later calls for the same flight do nothing).
    func land(_ flight: Int, _ result: Result<UInt32, any Error>) {
        guard let f = inFlight.removeValue(forKey: flight) else { return }
        if inFlightByKey[f.key] == flight { inFlightByKey.removeValue(forKey: f.key) }
        switch result {
        case .success(let id):
            popups[id] = f.popup
            popupByKey[f.key] = id
            if popups.count > Self.maxPopups { forgetOldestPopups() }
        case .failure(let error):
            popupFailed(error, orWait: f.waiting)
        }
    }

    /// A server that never reports popups closed (or keeps them all in its history) would make
    /// `popups` grow with every item ever shown: past `maxPopups`, the oldest tenth (lowest ids; the
    /// spec's ids count up) is forgotten. A click on one of those is then ignored, like one on a
    /// popup from before a restart.
    func forgetOldestPopups() {
        for id in popups.keys.sorted().prefix(Self.maxPopups / 10) { forget(popup: id) }
    }

    /// Waits for the answers to every popup sent so far (or up to and including `last`) and records
    /// them, so that popup ids (for actions, closes and replacements) are known. Popups sent
    /// meanwhile are not waited for.
    func settle(through last: Int = .max) async {
        for flight in inFlight.keys.sorted() where flight <= last {
            guard let pending = inFlight[flight]?.pending else { continue }
            let result: Result<UInt32, any Error>
            do { result = .success(try await pending.id()) } catch { result = .failure(error) }
            land(flight, result)
        }
    }

    /// A popup could not be shown: it waits for a notification server (one warning, not one per item).
    func popupFailed(_ error: any Error, orWait w: Waiting) {
        if let e = error as? DesktopError, e.code == .disconnected {
            busUnavailable("cannot show a popup: \(e.message)")
            serverInfo = nil
        } else if serverInfo != nil {
            let message = (error as? DesktopError)?.message ?? "\(error)"
            logger.warning("cannot show a popup: \(message); it will be shown when a notification server is there")
            serverInfo = nil
        }
        wait(w)
    }

    /// Queues a popup until a notification server is there: at most `maxWaiting` entries; the
    /// keys of a source's summaries join its one waiting summary instead of taking more.
    func wait(_ w: Waiting) {
        if case .summary(let source, let keys, let backlog) = w,
           let i = waiting.lastIndex(where: { if case .summary(source, _, _) = $0 { true } else { false } }),
           case .summary(_, let queued, let queuedBacklog) = waiting[i] {
            waiting[i] = .summary(source: source, keys: queued + keys, backlog: queuedBacklog && backlog)
            return
        }
        if waiting.count < Self.maxWaiting { waiting.append(w) }
    }

    /// Asks the server what it can do; nil when there is none.
    public func refreshServer() async {
        do {
            let info = try await sink.serverInfo()
            if busDown {
                busDown = false
                logger.notice("the session bus is back")
            }
            if serverInfo == nil { logger.info("notification server: \(info.name) \(info.version), capabilities \(info.capabilities.sorted())") }
            serverInfo = info
            composer.capabilities = info.capabilities
        } catch let e as DesktopError where e.code == .disconnected {
            busUnavailable("the session bus is not reachable (\(e.message))")
            serverInfo = nil
        } catch {
            if busDown {
                busDown = false
                logger.notice("the session bus is back")
            }
            if serverInfo != nil || waiting.isEmpty { logger.notice("no notification server on the bus yet; popups will wait for one") }
            serverInfo = nil
        }
    }

    /// Shows what waited for a server, folding many into one summary per source.
    func showWaiting() async {
        guard serverInfo != nil, !waiting.isEmpty else { return }
        let queued = waiting
        waiting.removeAll()
        var items: [String: [Item]] = [:]
        var summaries: [(String, [String], Bool)] = []
        for w in queued {
            switch w {
            case .item(let item):
                if inbox.unread[item.source]?[item.id] != nil { items[item.source, default: []].append(item) }
            case .summary(let s, let keys, let backlog): summaries.append((s, keys, backlog))
            }
        }
        for (s, keys, backlog) in summaries { if let src = sources[s] { await showSummary(source: src, keys: keys, backlog: backlog) } }
        for (s, list) in items.sorted(by: { $0.key < $1.key }) {
            guard let src = sources[s] else { continue }
            if list.count > config.desktop.burstLimit {
                await showSummary(source: src, keys: list.map(\.key), backlog: false)
            } else {
                for item in list { await show(item, replacing: 0) }
            }
        }
    }

    func closePopup(forKey key: String) async {
        if inFlightByKey[key] != nil { await settle() }  // its id is on the way
        guard let id = popupByKey.removeValue(forKey: key) else { return }
        popups.removeValue(forKey: id)
        try? await sink.close(id: id)
    }
}
