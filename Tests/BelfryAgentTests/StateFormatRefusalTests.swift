import BelfryCore
import Foundation
import Testing

/// `belfry run` on a state file from a newer belfry: exits 1 with the reason, the file left as it is.
@Suite struct StateFormatRefusalTests {
    @Test func theAgentExitsWithTheReasonAndLeavesTheFile() async throws {
        try await withWorld(server: false) { w in
            try w.configText().write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            let state = w.dir + "/state.json"
            let text = #"{"outbox":[],"sources":{},"version":99}"#
            try text.write(toFile: state, atomically: true, encoding: .utf8)
            let r = try await Belfry.run(["run", "--config", w.dir + "/config.toml", "--sink", "stdout"], timeout: .seconds(15))
            #expect(r.code == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("the state file \(state) has format version 99"), "\(r.stderr)")
            #expect(try String(contentsOfFile: state, encoding: .utf8) == text)
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: w.dir)).contains { $0.contains("corrupt") })
        }
    }
}
