extension ConfigReader.Table {
    /// A query table: each value a string (numbers and booleans as written) or an array of strings,
    /// sent as one key per value (`"exclude_types[]" = ["follow", "favourite"]`).
    func query(_ key: String) -> (single: [String: String], repeated: [String: [String]])? {
        let (s, v) = raw(key)
        guard let v else { return nil }
        guard case .table(let t) = v else { wrongType(s, v); return nil }
        var single: [String: String] = [:]
        var repeated: [String: [String]] = [:]
        func text(_ node: ConfigNode) -> String? {
            switch node {
            case .string(let x): x
            case .int(let i): String(i)
            case .bool(let b): b ? "true" : "false"
            case .double(let d): String(d)
            default: nil
            }
        }
        for (k, item) in t {
            if case .array(let items) = item {
                let values = items.compactMap(text)
                guard values.count == items.count else {
                    fail("\(key).\(k)", "has an item that is not a string (a repeated query value is an array of strings)")
                    continue
                }
                if values.isEmpty { fail("\(key).\(k)", "is an empty array (leave the key out to send nothing)"); continue }
                repeated[k] = values
            } else if let value = text(item) {
                single[k] = value
            } else {
                fail("\(key).\(k)", "is \(item.typeName), expected a string or an array of strings")
            }
        }
        return (single, repeated)
    }
}
