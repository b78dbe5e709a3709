import Testing

@testable import BelfryEmulatorKit

/// taskrunner ids: 26 Crockford base32 characters, time first, monotonic within a millisecond.
@Suite struct ULIDTests {
    @Test func encodesTimeAndRandomnessInCrockfordBase32() {
        #expect(ULIDGenerator.encode(high: 0, low: 0) == String(repeating: "0", count: 26))
        #expect(ULIDGenerator.encode(high: .max, low: .max) == "7" + String(repeating: "Z", count: 25))
        // 48-bit time 1 ms: the 10th character is the lowest time digit
        #expect(ULIDGenerator.encode(high: 1 << 16, low: 0).prefix(10) == "0000000001")
        #expect(ULIDGenerator.isValid("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
        #expect(!ULIDGenerator.isValid("01ARZ3NDEKTSV4RRFFQ69G5FAU-"))
        #expect(!ULIDGenerator.isValid("81ARZ3NDEKTSV4RRFFQ69G5FAV"))
    }

    @Test func idsSortByTimeAndByOrderWithinAMillisecond() {
        var generator = ULIDGenerator()
        let early = generator.make(millis: 1_700_000_000_000)
        let sameA = generator.make(millis: 1_700_000_000_500)
        let sameB = generator.make(millis: 1_700_000_000_500)
        let sameC = generator.make(millis: 1_700_000_000_500)
        let older = generator.make(millis: 1_600_000_000_000)
        #expect([early, sameA, sameB, sameC, older].allSatisfy(ULIDGenerator.isValid))
        #expect(early < sameA && sameA < sameB && sameB < sameC)
        #expect(older < early)
    }

    @Test func anEmulatorIsNotRestartedAfterStop() async throws {
        let emulator = Emulator(preset: .jaot)
        let port = try await emulator.start()
        #expect(try await emulator.start() == port)
        await emulator.stop()
        await #expect(throws: Emulator.StartError.self) { _ = try await emulator.start() }
    }
}
