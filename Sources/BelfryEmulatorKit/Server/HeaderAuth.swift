import HTTPTypes
import Hummingbird

/// Authentication by named headers (`EmulatorOptions.authHeaders`), and the headers of a request as
/// the call log shows them.
enum HeaderAuth {
    /// The accepted token when every configured header is present with its value (`{token}` being the
    /// token); nil otherwise, which the gate answers with 401.
    static func token(_ request: Request, _ options: EmulatorOptions) -> String? {
        for (name, template) in options.authHeaders {
            let expected = template.replacing("{token}", with: options.token)
            guard let field = HTTPField.Name(name), request.headers[values: field].contains(expected) else { return nil }
        }
        return options.token
    }

    /// Names lowercased; values of a repeated header joined with ", ".
    static func headers(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            out[name] = out[name].map { $0 + ", " + field.value } ?? field.value
        }
        return out
    }
}
