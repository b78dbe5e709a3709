import BelfryCore

extension Agent {
    /// The page a click on the popup of `keys` opens: for one item with an API link
    /// (`fields.link_api`), the web link its answer names (looked up now, with the source's auth and a
    /// bounded wait); otherwise, or when the lookup fails, `fallback` (the popup's own link).
    func webLink(keys: [String], fallback: String?) async -> String? {
        guard keys.count == 1, let (s, id) = Item.splitKey(keys[0]),
              let item = inbox.unread[s]?[id], item.linkAPI != nil else { return fallback }
        guard let client = try? await client(for: s) else { return fallback }
        do {
            return try await LinkResolver(client: client).lookUp(item.linkAPI!)
        } catch {
            logger.notice("opening the fallback link of \(keys[0]): \(error.message)")
            return fallback
        }
    }
}
