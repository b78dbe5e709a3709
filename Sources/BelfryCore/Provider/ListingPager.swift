/// Pages through one unread listing as far as the service says it goes (issue 15, point 2): the
/// profile's paging style for the first request, then whichever "next" signal it names (a `Link`
/// header, `X-Next-Page`, a body cursor or URL), or, with none named, the body flags and "a short
/// page ends it" as before. The listing is `complete` only when the service said there was no more;
/// a cut by `max_pages` leaves it incomplete, with the service's total when it gives one.
struct ListingPager {
    let client: ProviderClient

    var profile: ProviderProfile { client.profile }
    var paging: ProviderProfile.Paging { profile.paging }
    var name: String { client.source.name }

    /// The request after the first: query changes (offset, page, cursor) or an absolute URL.
    enum Next: Equatable { case query([String: String]), url(String) }

    /// `head` gets the first page's validators and poll floor; after a 304 the listing is empty and
    /// `head.notModified` says it means nothing.
    func run(head: inout ListHead) async throws(ProviderError) -> ProviderClient.Listing {
        var query = profile.list.query.merging(client.source.query) { _, user in user }
        if !profile.typeParam.isEmpty, client.source.types.count == 1 { query[profile.typeParam] = client.source.types[0] }
        if !paging.limitParam.isEmpty { query[paging.limitParam] = String(paging.limit) }
        var listing = ProviderClient.Listing(items: [], serviceTime: nil)
        var seen = Set<String>()
        var request = Next.query(Self.firstPage(query, paging))
        var cursor: String?
        for page in 0..<paging.maxPages {
            let (answer, response) = try await fetch(request, first: page == 0, head: &head)
            guard let json = answer else {
                listing.serviceTime = ProviderClient.serviceTime(of: response)
                return listing
            }
            listing.serviceTime = ProviderClient.serviceTime(of: response) ?? listing.serviceTime
            if page == 0 { listing.total = total(json, response) }
            let (items, notes) = client.extractor.items(in: json)
            listing.skipped += notes
            var fresh = 0
            for item in items where seen.insert(item.id).inserted {
                listing.items.append(item)
                fresh += 1
            }
            guard fresh > 0, let next = try next(after: page, query: query, json: json, response: response, items: items, cursor: &cursor)
            else {
                listing.complete = true
                return listing
            }
            request = next
        }
        // Cut by max_pages while the service said there is more: nothing can be concluded from
        // what is missing, and what was not listed is counted from the service's own number.
        listing.complete = false
        if listing.total == nil, profile.unreadCount != nil { listing.total = try? await client.unreadCount() }
        return listing
    }

    static func firstPage(_ query: [String: String], _ paging: ProviderProfile.Paging) -> [String: String] {
        var q = query
        switch paging.style {
        case .offset: q[paging.offsetParam] = "0"
        case .page: q[paging.pageParam] = String(paging.firstPage)
        case .none, .cursor: break
        }
        return q
    }

    /// The next request, or nil when this page was the last.
    func next(after page: Int, query: [String: String], json: JSONValue, response: HTTPResponse, items: [Item],
              cursor: inout String?) throws(ProviderError) -> Next? {
        switch paging.nextFrom {
        case .linkHeader:
            guard let link = response.header("Link").flatMap(Self.nextLink) else { return nil }
            return .url(try sameAPI(link))
        case .xNextPage:
            guard let value = response.header("X-Next-Page")?.trimmed, !value.isEmpty else { return nil }
            var q = query
            q[paging.pageParam] = value
            return .query(q)
        case .body:
            guard let value = json[path: paging.nextCursor]?.text, !value.isEmpty, value != cursor else { return nil }
            if value.hasPrefix("http://") || value.hasPrefix("https://") { return .url(try sameAPI(value)) }
            cursor = value
            var q = query
            q[paging.cursorParam] = value
            return .query(q)
        case .style:
            break
        }
        // No "next" signal named: the style's own rules, as before (a short page ends the listing).
        var q = query
        switch paging.style {
        case .none:
            return nil
        case .cursor:
            let next = paging.cursorFromLastItem ? items.last?.id : json[path: paging.nextCursor]?.text
            guard let next, !next.isEmpty, next != cursor else { return nil }
            if paging.cursorFromLastItem, items.count < paging.limit { return nil }
            cursor = next
            q[paging.cursorParam] = next
            return .query(q)
        case .offset, .page:
            if !paging.hasMore.isEmpty {
                guard json[path: paging.hasMore]?.bool == true else { return nil }
            } else if items.count < paging.limit {
                return nil
            }
            if paging.style == .offset { q[paging.offsetParam] = String((page + 1) * paging.limit) }
            else { q[paging.pageParam] = String(paging.firstPage + page + 1) }
            return .query(q)
        }
    }

    /// A page: by query through `listPage` (the first one conditionally; nil after a 304), or the
    /// service's own next-page URL.
    private func fetch(_ next: Next, first: Bool, head: inout ListHead) async throws(ProviderError) -> (JSONValue?, HTTPResponse) {
        let (response, redactor): (HTTPResponse, SecretRedactor)
        switch next {
        case .query(let q):
            return try await client.listPage(q, first: first, head: &head)
        case .url(let rest):
            // The service's own next-page URL, as it gave it (below base_url), not rebuilt from a query.
            let ep = ProviderProfile.Endpoint(method: profile.list.method, path: rest)
            (response, redactor) = try await client.send(ep, id: nil, query: [:], body: nil, what: "list (next page)", done: [])
        }
        do {
            return (try ProviderClient.parse(response, redactor), response)
        } catch {
            throw ProviderError(.decode, "source \"\(name)\": list answer is \(error.message)")
        }
    }

    /// The service's count of the whole listing: `total_header`, else the `total` body path.
    func total(_ json: JSONValue, _ response: HTTPResponse) -> Int? {
        if !paging.totalHeader.isEmpty, let text = response.header(paging.totalHeader)?.trimmed, let n = Int(text), n >= 0 { return n }
        if !paging.total.isEmpty, let n = json[path: paging.total]?.int, n >= 0 { return n }
        return nil
    }

    /// The part of a next-page URL after base_url. The token goes with it, so it must be the source's
    /// own API (same scheme, host, port and base path): anything else is refused, naming both.
    func sameAPI(_ url: String) throws(ProviderError) -> String {
        var base = client.source.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if url.hasPrefix(base) {
            let rest = String(url.dropFirst(base.count))
            if rest.isEmpty || rest.hasPrefix("/") || rest.hasPrefix("?") { return rest }
        }
        throw ProviderError(.decode, "source \"\(name)\": the next-page link \(String(url.prefix(200))) is not below base_url \(base); the token is not sent elsewhere")
    }

    /// The URL of `rel="next"` in an RFC 8288 `Link` header (`<url>; rel="next", <url>; rel="prev"`).
    static func nextLink(_ header: String) -> String? {
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let url = rest[rest.index(after: open)..<close]
            let params = rest[rest.index(after: close)...].prefix { $0 != "<" && $0 != "," }
            for param in params.split(separator: ";") {
                let parts = param.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmed.lowercased() == "rel" else { continue }
                let rels = parts[1].trimmed.trimmingQuotes.lowercased().split(separator: " ")
                if rels.contains("next") { return String(url) }
            }
            rest = rest[close...].dropFirst()
        }
        return nil
    }
}

private extension StringProtocol {
    var trimmed: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
    var trimmingQuotes: String {
        var s = String(self)
        if s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 { s = String(s.dropFirst().dropLast()) }
        return s
    }
}
