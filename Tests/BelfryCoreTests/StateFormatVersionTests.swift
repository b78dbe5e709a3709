import Foundation
import Testing
@testable import BelfryCore

/// The state file's format version (issue 19): what an older belfry wrote loads in a newer one, and a
/// file from a newer belfry is refused, named, and left exactly as it was (not moved aside as corrupt,
/// not overwritten).
@Suite struct StateFormatVersionTests {
    func tempFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("belfry-format-\(UUID().uuidString)").path
        try StateFile.makeFolders(dir)
        return dir
    }

    /// Byte for byte what belfry 0.1.0 (format 1) writes: a change of the format that cannot read it
    /// fails here.
    @Test func aFileWrittenByFormatOneLoads() throws {
        let dir = try tempFolder()
        let text = #"{"outbox":[{"attempts":2,"id":7,"ids":["a"],"kind":"mark_read","lastError":"e","notBefore":5,"source":"work"}],"sources":{"work":{"init":true,"last_event_id":"42","records":2,"seen":{"a":{"c":2,"r":true,"t":1000},"b":{"t":1001}}}},"version":1}"#
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/state.json"))
        var warnings: [String] = []
        let state = try StateFile(path: dir + "/state.json").load(warning: { warnings.append($0) })
        #expect(warnings.isEmpty)
        #expect(state == PersistedState(
            version: 1,
            sources: ["work": SourceState(initialized: true, seen: ["a": SeenRecord(firstSeen: 1000, count: 2, read: true),
                                                                   "b": SeenRecord(firstSeen: 1001)], lastEventID: "42")],
            outbox: [PendingAction(id: 7, source: "work", kind: .markRead, ids: ["a"], attempts: 2, notBefore: 5, lastError: "e")]))
    }

    /// A file from before the format had a version: format 1, loaded, and written back with one.
    @Test func aFileWithoutAVersionLoadsAsFormatOne() throws {
        let dir = try tempFolder()
        let path = dir + "/state.json"
        try Data(#"{"outbox":[],"sources":{"work":{"init":true,"seen":{"a":{"t":1000}}}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        var warnings: [String] = []
        let file = StateFile(path: path)
        let state = try file.load(warning: { warnings.append($0) })
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(state.version == PersistedState.currentVersion)
        #expect(state.sources["work"]?.seen["a"] == SeenRecord(firstSeen: 1000))
        try file.save(state)
        let written = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(written["version"] == .number(Double(PersistedState.currentVersion)))
    }

    @Test(arguments: [
        // A newer format that this one would read, and one it would not (its version still decides).
        #"{"outbox":[],"sources":{},"version":2}"#,
        #"{"version":2,"feeds":{"work":{"seen":["a","b"]}}}"#,
    ])
    func aNewerFormatIsRefusedByNameAndLeftAsItIs(_ text: String) throws {
        let dir = try tempFolder()
        let path = dir + "/state.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try Data("\"work:j\"\n".utf8).write(to: URL(fileURLWithPath: path + ".journal"))
        var warnings: [String] = []
        do {
            let state = try StateFile(path: path).load(warning: { warnings.append($0) })
            Issue.record("a format 2 file loaded: \(state)")
        } catch {
            #expect(error.message.contains(path), "names the file: \(error.message)")
            #expect(error.message.contains("format version 2"), "names the version found: \(error.message)")
            #expect(error.message.contains("format \(PersistedState.currentVersion) at most"), "names the one supported: \(error.message)")
        }
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "the file is untouched")
        #expect(try String(contentsOfFile: path + ".journal", encoding: .utf8) == "\"work:j\"\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["state.json", "state.json.journal"])
    }
}
