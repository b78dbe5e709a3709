import BelfryCore

/// Per source, the updates of its summary popup ("N new from S"). A flood folds thousands of items
/// a second into that one popup; sending a `Notify` for each (and waiting for it) held intake to
/// the notification server's round trip. So at most one update is in flight per source, they leave
/// at most every `Agent.summaryInterval`, and keys folded meanwhile wait here for the next one.
struct SummaryUpdate {
    /// An update sent to the server and not answered yet.
    struct Flight {
        /// Tells this flight's answer from a later one's.
        var number: Int
        /// Set once the call left (`DesktopSink.submit` returned).
        var pending: PendingPopup?
        /// Every key the popup stands for once this update is shown.
        var keys: [String]
        /// The keys this update added (what waits for a server if it fails).
        var added: [String]
        var backlog: Bool
    }

    /// Keys folded since the last update left, not shown yet.
    var keys: [String] = []
    /// Unread items the service counts that no listing reached (a listing cut by `max_pages`): added
    /// to the popup's number; `extraChanged` when a new figure waits to be shown.
    var extra = 0
    var extraChanged = false
    /// Something waits to be shown.
    var isDue: Bool { !keys.isEmpty || extraChanged }
    /// The waiting keys start a new summary (a first start's backlog) instead of adding to the one shown.
    var startsOver = false
    /// The waiting keys are a first start's backlog ("N unread in S") rather than new items.
    var backlog = false
    var flight: Flight?
    /// When the last update left, in `Agent.monotonic()` seconds.
    var lastSent: Double?
    /// A timer will send the waiting keys (see `Agent.armSummaryTimer`).
    var timerArmed = false
}
