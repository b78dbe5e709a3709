extension ProviderClient {
    /// A mark-read or mark-all-read body: the endpoint's template filled with `ids`, or (no template,
    /// `bodyKey` given) the classic `{"<bodyKey>": [ids]}`. A template that cannot take these ids is a
    /// `.decode` error naming them (nothing malformed is sent).
    func renderBody(_ ep: ProviderProfile.Endpoint, ids: [String], bodyKey: String?) throws(ProviderError) -> [UInt8]? {
        if let template = ep.body {
            do { return try template.render(ids: ids) } catch {
                throw ProviderError(.decode, "source \"\(source.name)\": \(error.message)")
            }
        }
        guard let bodyKey else { return nil }
        return Array(JSONValue.object([bodyKey: .array(ids.map { .string($0) })]).serialized().utf8)
    }
}
