import Testing
@testable import BelfryCore

@Suite struct BodyTemplateTests {
    @Test func placeholdersFillAsTheTemplateQuotesThem() throws {
        let number = try BodyTemplate(#"{"id": {id}}"#, format: .json)
        #expect(String(decoding: try number.render(ids: ["5"]), as: UTF8.self) == #"{"id": 5}"#)
        let quoted = try BodyTemplate(#"{"ids": {ids}, "last": "{last_id}"}"#, format: .json)
        #expect(String(decoding: try quoted.render(ids: ["9", "10", "a\"b"]), as: UTF8.self) == #"{"ids": ["9","10","a\"b"], "last": "a\"b"}"#)
        #expect(BodyTemplate.lastID(["9", "10", "100", "99"]) == "100")
        #expect(BodyTemplate.lastID(["b", "a"]) == "a", "not all digits: the last given")
        let form = try BodyTemplate("id={id}", format: .form)
        #expect(String(decoding: try form.render(ids: ["a b&c"]), as: UTF8.self) == "id=a%20b%26c")
    }

    @Test func badTemplatesAreRefused() {
        #expect(throws: BodyTemplate.Problem.self) { try BodyTemplate("{\"x\": {nope}}", format: .json) }
        #expect(throws: BodyTemplate.Problem.self) { try BodyTemplate("{\"x\": ", format: .json) }
        #expect((try? BodyTemplate("{\"x\": {id}}", format: .json)) != nil)
    }
}
