/// Plain text from the small HTML some feeds put in bodies (Mastodon statuses): tags dropped,
/// `<br>` and `</p>` as line breaks, the common entities decoded. Not a sanitiser for rendering:
/// the result is escaped again where the notification server does markup.
public enum HTMLText {
    public static func plain(_ html: String) -> String {
        var out = ""
        var tag = ""
        var inTag = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                    if name == "br" || (tag.hasPrefix("/") && tag.lowercased().hasPrefix("/p")) { out += "\n" }
                    tag = ""
                } else {
                    tag.append(ch)
                }
            } else if ch == "<" {
                inTag = true
            } else {
                out.append(ch)
            }
        }
        let entities = ["&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&apos;": "'", "&nbsp;": " ", "&amp;": "&"]
        for (e, r) in entities { out = out.replacingAll(e, with: r) }
        return out.trimmingWhitespace()
    }
}
