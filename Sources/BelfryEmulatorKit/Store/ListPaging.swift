import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// Paging the way real forges do it (issue 15), set through `POST /_emulator/paging` and applied by
/// the jaot list: a silent page-size cap (GitHub 50, Mastodon 80), pages by a `page` parameter, the
/// next page announced in a `Link: <…>; rel="next"` header or `X-Next-Page`, the whole count in a
/// total header. The default is off: jaot as its document says (one page of up to `limit`).
struct ListPaging: Sendable, Equatable {
    enum Style: String, Sendable { case none, link, xNextPage = "x_next_page" }
    var style = Style.none
    /// Items per page at most, whatever `limit` asked for (nil: no cap).
    var pageCap: Int?
    /// The header that carries the whole listing's count ("" = none).
    var totalHeader = ""

    init() {}

    init(json: JSONValue) throws(AdminError) {
        if let s = json["style"] {
            guard let text = s.string, let style = Style(rawValue: text) else {
                throw AdminError("style must be \"none\", \"link\" or \"x_next_page\"")
            }
            self.style = style
        }
        if let cap = json["page_cap"], !cap.isNull {
            guard let n = cap.int, n >= 1 else { throw AdminError("page_cap must be an integer ≥ 1") }
            pageCap = n
        }
        if let header = json["total_header"], !header.isNull {
            guard let text = header.string else { throw AdminError("total_header must be a string (\"X-Total-Count\")") }
            totalHeader = text
        }
    }

    var json: JSONValue {
        ["style": .string(style.rawValue), "page_cap": pageCap.map { Reply.number($0) } ?? .null, "total_header": .string(totalHeader)]
    }

    /// The page `request` asks for out of `all` (already filtered and ordered), and the headers saying
    /// what follows. Without a style every request is page 1.
    func page(of all: [StoredItem], limit: Int, request: Request) -> (ArraySlice<StoredItem>, HTTPFields) {
        let size = min(limit, pageCap ?? limit)
        let number = style == .none ? 1 : max(1, request.uri.queryParameters.get("page").flatMap { Int($0) } ?? 1)
        let start = min(all.count, (number - 1) * size)
        let slice = all[start..<min(all.count, start + size)]
        var headers: HTTPFields = [:]
        if !totalHeader.isEmpty, let name = HTTPField.Name(totalHeader) { headers[name] = String(all.count) }
        let more = start + size < all.count
        switch style {
        case .none: break
        case .xNextPage: headers[HTTPField.Name("X-Next-Page")!] = more ? String(number + 1) : ""
        case .link:
            if more { headers[HTTPField.Name("Link")!] = "<\(Self.url(request, page: number + 1))>; rel=\"next\", <\(Self.url(request, page: 1))>; rel=\"first\"" }
        }
        return (slice, headers)
    }

    /// The request's own URL (absolute, its Host) with `page` set.
    static func url(_ request: Request, page: Int) -> String {
        var query = request.uri.queryParameters.filter { $0.key != "page" }.map { "\($0.key)=\($0.value)" }
        query.append("page=\(page)")
        return "http://\(request.head.authority ?? "127.0.0.1")\(request.uri.path)?\(query.joined(separator: "&"))"
    }
}
