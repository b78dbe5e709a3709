import BelfryCore

/// Summary popups ("N new from S", "N unread in S"): one per source, updated at most every
/// `summaryInterval`, never awaited on the ingest path (see `SummaryUpdate`).
extension Agent {
    /// The shortest time between two updates of a source's summary popup: at most 4 a second, and
    /// at most one in flight. A flood of 10,000 items/s made ~1,500 `Notify` calls a second, each
    /// replacing the same popup and each awaited, and intake fell 70,000 items behind.
    static let summaryInterval = 0.25

    /// Folds `keys` into the source's summary popup. Returns without waiting for the notification
    /// server: the update leaves now (sent, not answered) if the source's last one was answered and
    /// left `summaryInterval` ago or more; otherwise the keys wait and go out together in the next
    /// update, sent when that answer comes or a timer fires. The keys are journaled now: they are
    /// recorded as seen, and a crash before their update leaves only loses that update (the items
    /// stay listed and counted). `extra`: unread items the service counts that no listing reached
    /// (no keys), added to the number.
    func showSummary(source: SourceConfig, keys: [String], backlog: Bool, extra: Int = 0) async {
        guard !keys.isEmpty || extra > 0 else { return }
        // With no server known, ask the bus again at most once per interval: a flood asked once per
        // item, a bus round trip each on the intake path.
        if serverInfo == nil, monotonic() - (lastSummaryProbe ?? -.infinity) >= Self.summaryInterval {
            lastSummaryProbe = monotonic()
            await refreshServer()
        }
        journal(keys)
        // In place: a copy out of the dictionary and back copied every waiting key on each fold,
        // quadratic in a flood (5,000 folds took seconds in a debug build).
        summaryUpdates[source.name, default: SummaryUpdate()].keys += keys
        if extra > 0 {
            summaryUpdates[source.name]?.extra = extra
            summaryUpdates[source.name]?.extraChanged = true
        }
        if backlog { summaryUpdates[source.name]?.startsOver = true }
        summaryUpdates[source.name]?.backlog = backlog
        await sendSummaryIfDue(source.name)
    }

    /// Sends the source's waiting keys if nothing is in flight and the interval has passed; else
    /// leaves them for the answer in flight or arms a timer. An armed timer sends them itself: its
    /// task may run a little after its deadline, and a send meanwhile made it send a second update
    /// less than an interval after that one.
    func sendSummaryIfDue(_ name: String) async {
        guard let u = summaryUpdates[name], u.isDue, u.flight == nil, !u.timerArmed else { return }
        if let last = u.lastSent, monotonic() - last < Self.summaryInterval {
            armSummaryTimer(name, at: last + Self.summaryInterval)
            return
        }
        await sendSummary(name)
    }

    /// One timer per source at a time, on the injected clock (`Agent.init(sleep:)`); the task ends
    /// when it fires.
    func armSummaryTimer(_ name: String, at deadline: Double) {
        guard summaryUpdates[name]?.timerArmed == false else { return }
        summaryUpdates[name]?.timerArmed = true
        let sleep = self.sleep
        Task {
            await sleep(deadline)
            await self.summaryTimerFired(name)
        }
    }

    func summaryTimerFired(_ name: String) async {
        guard summaryUpdates[name]?.timerArmed == true else { return }
        summaryUpdates[name]?.timerArmed = false
        // The clock said the interval has passed; an update in flight sends the rest when answered.
        await sendSummary(name)
    }

    /// Sends one update carrying every waiting key; its count is what the popup already stood for
    /// plus them. Without a notification server they wait with the other popups.
    func sendSummary(_ name: String) async {
        guard var u = summaryUpdates[name], u.isDue, u.flight == nil else { return }
        guard let source = sources[name] else {
            summaryUpdates.removeValue(forKey: name)
            return
        }
        let added = u.keys
        u.keys = []
        u.extraChanged = false
        guard serverInfo != nil else {
            // Joins the waiting summary, at most every interval too (each join copies its keys).
            u.startsOver = false
            u.lastSent = monotonic()
            summaryUpdates[name] = u
            wait(.summary(source: name, keys: added, backlog: u.backlog))
            return
        }
        let previous = summaryBySource[name]
        var all = added
        if !u.startsOver, let previous, let old = popups[previous] { all = old.keys + added }
        let n = composer.summary(count: all.count + u.extra, source: source, backlog: u.backlog, replacing: previous ?? 0)
        if !u.backlog { logger.info("\(name): burst of \(added.count) more item(s) folded into a summary (\(all.count) in all)") }
        let number = nextSummaryFlight
        nextSummaryFlight += 1
        u.flight = SummaryUpdate.Flight(number: number, keys: all, added: added, backlog: u.backlog)
        u.startsOver = false
        u.lastSent = monotonic()
        summaryUpdates[name] = u
        let pending: PendingPopup
        do {
            pending = try await sink.submit(n)
        } catch {
            await summaryLanded(name, number, .failure(error))
            return
        }
        if let answered = pending.answered {
            await summaryLanded(name, number, answered)
            return
        }
        if summaryUpdates[name]?.flight?.number == number { summaryUpdates[name]?.flight?.pending = pending }
        Task {
            let result: Result<UInt32, any Error>
            do { result = .success(try await pending.id()) } catch { result = .failure(error) }
            await self.summaryLanded(name, number, result)  // runs on the agent
        }
    }

    /// Records the answer to a summary update (once), then sends what was folded meanwhile when due.
    func summaryLanded(_ name: String, _ number: Int, _ result: Result<UInt32, any Error>) async {
        guard let flight = summaryUpdates[name]?.flight, flight.number == number else { return }
        summaryUpdates[name]?.flight = nil
        switch result {
        case .success(let id):
            popups[id] = Popup(source: name, keys: flight.keys, link: sources[name]?.webURL, isSummary: true)
            summaryBySource[name] = id
        case .failure(let error):
            popupFailed(error, orWait: .summary(source: name, keys: flight.added, backlog: flight.backlog))
        }
        await sendSummaryIfDue(name)
    }

    /// Waits for the answers to the summary updates in flight, so their ids are known (a signal
    /// about a summary popup may come right after its `Notify`).
    func settleSummaries() async {
        for (name, update) in summaryUpdates {
            guard let flight = update.flight, let pending = flight.pending else { continue }
            let result: Result<UInt32, any Error>
            do { result = .success(try await pending.id()) } catch { result = .failure(error) }
            await summaryLanded(name, flight.number, result)
        }
    }

    var summariesInFlight: Bool { summaryUpdates.values.contains { $0.flight != nil } }

    /// Whether a summary update is in flight or folded keys wait for one (for tests).
    public var summaryUpdatePending: Bool { summaryUpdates.values.contains { $0.flight != nil || !$0.keys.isEmpty } }
}
