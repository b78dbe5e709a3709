/// A request body written in a profile (`mark_read.body`, `mark_all_read.body`) with placeholders:
///
/// - `{id}`: the item's id (one request per item);
/// - `{ids}`: the ids of the request (a JSON array of strings; in a form, joined with commas);
/// - `{last_id}`: the greatest id of the request (numerically when all are digits), as Mastodon's
///   markers want (`last_read_id`).
///
/// In JSON a placeholder is replaced by the id's JSON string content, without quotes, so the
/// template decides: `{"id": {id}}` sends a number (Discourse), `{"last_read_id": "{last_id}"}` a
/// string. In a form (`body_format = "form"`) values are percent-encoded.
public struct BodyTemplate: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable { case json, form }

    public static let placeholders = ["{id}", "{ids}", "{last_id}"]

    public var text: String
    public var format: Format

    /// A bad template: names the placeholder or the JSON problem.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
    }

    /// Checks `text` once, when the profile is read: only known placeholders, and (for JSON) a valid
    /// document once they are filled with a sample numeric id.
    public init(_ text: String, format: Format) throws(Problem) {
        self.text = text
        self.format = format
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }), !Self.placeholders.contains("{\(name)}") {
                throw Problem(message: "unknown placeholder {\(name)} (allowed: \(Self.placeholders.joined(separator: ", ")))")
            }
            rest = after
        }
        if format == .json {
            let sample = Self.fill(text, format: .json, ids: ["1"])
            do { _ = try JSONValue.parse(Array(sample.utf8)) } catch {
                throw Problem(message: "is not JSON once its placeholders are filled (\(sample)): \(error.message)")
            }
        }
    }

    /// True when the body names one item (`{id}`): one request per id.
    public var isPerItem: Bool { text.firstRange(of: "{id}") != nil }

    /// True when it needs ids at all (mark_all_read with `{last_id}` needs the newest known id).
    public var needsIDs: Bool { Self.placeholders.contains { text.firstRange(of: $0) != nil } }

    public var contentType: String { format == .json ? "application/json" : "application/x-www-form-urlencoded" }

    /// The body for `ids`. Throws when the filled JSON is not valid (an id that is not a number in an
    /// unquoted `{id}`), naming the id, so nothing malformed is sent.
    public func render(ids: [String]) throws(Problem) -> [UInt8] {
        let out = Array(Self.fill(text, format: format, ids: ids).utf8)
        if format == .json {
            do { _ = try JSONValue.parse(out) } catch {
                throw Problem(message: "the body is not JSON with ids \(ids.joined(separator: ", ")) (an unquoted {id} needs numeric ids): \(error.message)")
            }
        }
        return out
    }

    /// The greatest id: numerically when every id is digits, else the last one given.
    public static func lastID(_ ids: [String]) -> String {
        if !ids.isEmpty, ids.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (48...57).contains($0) } }) {
            return ids.max { a, b in a.count != b.count ? a.count < b.count : a < b } ?? ""
        }
        return ids.last ?? ""
    }

    static func fill(_ text: String, format: Format, ids: [String]) -> String {
        func value(_ s: String) -> String {
            format == .json ? String(JSONValue.string(s).serialized().dropFirst().dropLast()) : ProviderClient.percentEncode(s)
        }
        let list = format == .json
            ? JSONValue.array(ids.map { .string($0) }).serialized()
            : ids.map(ProviderClient.percentEncode).joined(separator: ",")
        return text.replacingAll("{ids}", with: list)
            .replacingAll("{last_id}", with: value(lastID(ids)))
            .replacingAll("{id}", with: value(ids.first ?? ""))
    }
}
