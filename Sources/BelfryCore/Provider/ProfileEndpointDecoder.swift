/// The parts of `ProfileDecoder` that read one endpoint table and the newer profile keys (auth
/// headers, body templates, link rewrites), each refusing a bad value with the key and the reason.
enum ProfileEndpointDecoder {
    static func endpoint(_ s: ConfigReader.Table?) -> ProviderProfile.Endpoint? {
        guard let s else { return nil }
        let path = s.string("path") ?? ""
        let url = s.section.setting("url") != nil ? (s.string("url") ?? "") : ""
        if path.isEmpty, url.isEmpty { return nil }
        if !url.isEmpty {
            if !path.isEmpty { s.fail("url", "set url (an absolute URL) or path (below base_url), not both") }
            if HTTPOrigin(url: url) == nil { s.fail("url", "\"\(url)\" is not an absolute http:// or https:// URL") }
        } else if !path.hasPrefix("/") {
            s.fail("path", "\"\(path)\" must start with / (it is relative to base_url)")
        }
        let method = s.string("method") ?? "GET"
        var body: BodyTemplate?
        if s.section.setting("body") != nil, let text = s.string("body"), !text.isEmpty {
            let format = BodyTemplate.Format(rawValue: s.string("body_format") ?? "json") ?? .json
            do { body = try BodyTemplate(text, format: format) } catch { s.fail("body", error.message) }
            if method == "GET" {
                s.fail("method", "is GET (the default) but a body is set: a GET sends no body; set method = \"POST\", \"PUT\" or \"PATCH\"")
            }
        }
        let query = s.query("query") ?? ([:], [:])
        return .init(method: method, path: path, query: query.single, repeatedQuery: query.repeated,
                     url: url.isEmpty ? nil : url, body: body)
    }

    /// Where the ids go: in the path (`{id}`), in a body template, or (batch > 0) in `{"<body_key>": [ids]}`.
    static func checkMarkRead(_ mr: ProviderProfile.MarkRead, _ s: ConfigReader.Table) {
        let inPath = mr.endpoint.path.firstRange(of: "{id}") != nil
        if let body = mr.endpoint.body {
            if mr.batch > 0, body.isPerItem || inPath {
                s.fail("body", "{id} names one item, but batch = \(mr.batch) sends several per request: use {ids} or {last_id}, or set batch = 0")
            } else if mr.batch == 0, !inPath, !body.needsIDs {
                s.fail("body", "names no item: with batch = 0 put {id} in the path or the body")
            }
        } else if mr.batch == 0, !inPath {
            s.fail("path", "needs {id} in the path when batch = 0 (or set batch to send ids in the body)")
        }
    }

    /// `auth_headers`: header names are HTTP tokens, values one line.
    static func authHeaders(_ t: ConfigReader.Table) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in t.stringMap("auth_headers") ?? [:] {
            let tokenChars = "!#$%&'*+-.^_`|~"
            if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || tokenChars.unicodeScalars.contains($0)) }) {
                t.fail("auth_headers", "\"\(name)\" is not a header name (letters, digits and -, no spaces or colons)")
                continue
            }
            if value.contains(where: { $0 == "\r" || $0 == "\n" }) {
                t.fail("auth_headers.\(name)", "holds a line break (a header value is one line)")
                continue
            }
            out[name] = value
        }
        return out
    }

    /// `link_rewrite`: `{ "<text>" = "<replacement>", … }`.
    static func linkRewrite(_ t: ConfigReader.Table) -> [ProviderProfile.LinkRewrite] {
        let map = t.stringMap("link_rewrite") ?? [:]
        if Set(map.keys) == ["from", "to"] {
            t.fail("link_rewrite", "maps each text to its replacement, e.g. { \"https://api.github.com/repos/\" = \"https://github.com/\", \"/pulls/\" = \"/pull/\" }, not { from, to }")
            return []
        }
        if map.keys.contains("") { t.fail("link_rewrite", "has an empty text to replace") }
        return map.filter { !$0.key.isEmpty }
            .sorted { $0.key.count != $1.key.count ? $0.key.count > $1.key.count : $0.key < $1.key }
            .map { ProviderProfile.LinkRewrite(from: $0.key, to: $0.value) }
    }
}
