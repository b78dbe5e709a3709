/// Turns items into `Notify` arguments for the server at hand: provider text is untrusted, so control
/// characters are stripped, lengths capped, and markup escaped where the server renders it.
public struct PopupComposer: Sendable {
    public var desktop: DesktopSettings {
        didSet { icons = IconTheme(searchDirs: icons.searchDirs) }  // a reload looks for icons again
    }
    public var capabilities: Set<String>
    /// Where icon names are looked up (see `icon(for:)`).
    public var icons: IconTheme
    public static let maxTitle = 120
    public static let maxBody = 600

    public init(desktop: DesktopSettings, capabilities: Set<String>, icons: IconTheme = IconTheme(environment: [:])) {
        self.desktop = desktop
        self.capabilities = capabilities
        self.icons = icons
    }

    var markup: Bool { capabilities.contains("body-markup") }
    var hasActions: Bool { capabilities.contains("actions") }

    public func popup(for item: Item, source: SourceConfig?, replacing: UInt32 = 0) -> DesktopNotification {
        var body = Self.clean(item.body, max: Self.maxBody)
        if let c = item.count, c > 1 { body += (body.isEmpty ? "" : " ") + "(×\(c))" }
        body = markup ? Self.escape(body) : body
        if !hasActions, let link = item.link {
            let shown = markup ? Self.escape(link) : link
            let line = capabilities.contains("body-hyperlinks") ? "<a href=\"\(Self.escape(link))\">\(shown)</a>" : shown
            body += (body.isEmpty ? "" : "\n") + line
        }
        return DesktopNotification(
            appName: appName(for: source), replacesID: replacing, appIcon: icon(for: source),
            summary: Self.clean(item.title, max: Self.maxTitle), body: body, actions: actions(hasLink: item.link != nil),
            hints: NotificationHints(urgency: item.urgency.rawValue, category: "im.received",
                                     desktopEntry: desktop.desktopEntry.isEmpty ? nil : desktop.desktopEntry),
            expireTimeout: desktop.expireTimeout, itemKey: item.key, link: item.link)
    }

    /// "12 new from work": stands for items that were not popped one by one.
    public func summary(count: Int, source: SourceConfig, backlog: Bool, replacing: UInt32 = 0) -> DesktopNotification {
        let n = Self.grouped(count)
        let title = backlog ? "\(n) unread in \(source.name)" : "\(n) new from \(source.name)"
        return DesktopNotification(
            appName: appName(for: source), replacesID: replacing, appIcon: icon(for: source),
            summary: title, body: markup ? Self.escape("Open \(source.webURL)") : "Open \(source.webURL)",
            actions: actions(hasLink: true),
            hints: NotificationHints(urgency: 1, category: "im.received",
                                     desktopEntry: desktop.desktopEntry.isEmpty ? nil : desktop.desktopEntry, transient: true),
            expireTimeout: desktop.expireTimeout, link: source.webURL)
    }

    /// `1200` as "1,200": a summary may count thousands (a first run, what max_pages did not reach).
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = n < 0 ? "-" : ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// Drops control characters (keeping newlines and tabs as spaces/newlines) and caps with an ellipsis.
    /// Bidirectional controls go too: a title could otherwise reorder what the user reads (a link or a
    /// name shown backwards, text that seems to belong to another sender).
    public static func clean(_ text: String, max: Int) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 10 { out.append(scalar) } else if v == 9 || v == 13 { out.append(" ") }
            else if v < 32 || (v >= 0x7F && v < 0xA0) || v == 0x2028 || v == 0x2029 || isBidiControl(v) { continue }
            else { out.append(scalar) }
            count += 1
            if count >= max {
                out.append("…")
                break
            }
        }
        return String(out).trimmingWhitespace()
    }

    /// The bidirectional formatting characters (Unicode's Bidi_Control property): the embeddings and
    /// overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E, U+200F, U+061C.
    static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }

    /// Escapes the characters the notification spec's markup subset gives meaning to.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }
}
