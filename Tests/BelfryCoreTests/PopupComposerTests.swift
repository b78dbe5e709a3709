import Testing
@testable import BelfryCore

@Suite struct PopupComposerTests {
    let src: SourceConfig
    let desktop: DesktopSettings
    init() throws {
        src = try source(preset: "jaot")
        desktop = try config("").desktop
    }

    let item = Item(source: "work", id: "1", type: "t", title: "Build <b>failed</b>\u{7}", body: "a & b\u{1b}[31m",
                    link: "https://app.example.com/x", urgency: .critical)

    @Test func escapesMarkupOnlyWhereTheServerRendersIt() {
        let withMarkup = PopupComposer(desktop: desktop, capabilities: ["actions", "body", "body-markup"]).popup(for: item, source: src)
        #expect(withMarkup.body == "a &amp; b[31m")
        #expect(withMarkup.summary == "Build <b>failed</b>")
        let plain = PopupComposer(desktop: desktop, capabilities: ["actions", "body"]).popup(for: item, source: src)
        #expect(plain.body == "a & b[31m")
    }

    @Test func actionsWhereSupportedElseTheLinkGoesInTheBody() {
        let a = PopupComposer(desktop: desktop, capabilities: ["actions"]).popup(for: item, source: src)
        #expect(a.actions.map(\.key) == ["default", "mark-read"], "one open action: the default one")
        #expect(a.actions.map(\.label) == ["Open", "Mark read"])
        #expect(a.hints.urgency == 2)
        #expect(a.hints.desktopEntry == "belfry")
        let none = PopupComposer(desktop: desktop, capabilities: ["body"]).popup(for: item, source: src)
        #expect(none.actions.isEmpty)
        #expect(none.body.hasSuffix("\nhttps://app.example.com/x"))
        let links = PopupComposer(desktop: desktop, capabilities: ["body", "body-markup", "body-hyperlinks"]).popup(for: item, source: src)
        #expect(links.body.hasSuffix("<a href=\"https://app.example.com/x\">https://app.example.com/x</a>"))
    }

    @Test func capsLengthsWithAnEllipsis() {
        let long = PopupComposer.clean(String(repeating: "x", count: 500), max: 120)
        #expect(long.count == 121)
        #expect(long.hasSuffix("…"))
    }

    /// A title like "pay \u{202E}gpj.exe now" reads "pay won exe.jpg" on screen: every
    /// bidirectional control (embeddings, overrides, isolates, marks) is stripped from title and body.
    @Test func bidirectionalControlsAreStripped() {
        let controls: [Unicode.Scalar] = [
            "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}",
            "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}",
        ]
        for c in controls {
            let text = "pay \(c)gpj.exe now"
            let hostile = Item(source: "work", id: "b", type: "t", title: text, body: "body " + text)
            let popup = PopupComposer(desktop: desktop, capabilities: ["actions", "body"]).popup(for: hostile, source: src)
            #expect(popup.summary == "pay gpj.exe now", "U+\(String(c.value, radix: 16, uppercase: true)) in the title")
            #expect(popup.body == "body pay gpj.exe now", "U+\(String(c.value, radix: 16, uppercase: true)) in the body")
        }
        // Right-to-left text itself is kept: only the invisible controls go.
        #expect(PopupComposer.clean("שלום abc", max: 120) == "שלום abc")
    }

    @Test func countAndSummary() {
        var c = item
        c.count = 4
        let p = PopupComposer(desktop: desktop, capabilities: []).popup(for: c, source: src, replacing: 9)
        #expect(p.body.hasPrefix("a & b[31m (×4)\n"))
        #expect(p.replacesID == 9)
        let s = PopupComposer(desktop: desktop, capabilities: ["actions"]).summary(count: 12, source: src, backlog: false)
        #expect(s.summary == "12 new from work")
        #expect(s.hints.transient == true)
    }

    @Test func summaryCountsAreGroupedByThousands() {
        #expect(PopupComposer.grouped(12) == "12")
        #expect(PopupComposer.grouped(1200) == "1,200")
        #expect(PopupComposer.grouped(10_000) == "10,000")
        #expect(PopupComposer.grouped(1_234_567) == "1,234,567")
    }
}
