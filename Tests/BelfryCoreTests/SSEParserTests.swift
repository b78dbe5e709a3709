import BelfryTestSupport
import Testing
@testable import BelfryCore

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

/// Parses `bytes` cut into `chunks` (one chunk when empty), then ends the stream.
private func parse(_ bytes: [UInt8], cutAt cuts: [Int] = [], limits: SSEParser.Limits = .init()) throws -> (events: [SSEEvent], parser: SSEParser) {
    var parser = SSEParser(limits: limits)
    var events: [SSEEvent] = []
    var start = 0
    for cut in cuts + [bytes.count] {
        events += try parser.parse(bytes[start..<cut])
        start = cut
    }
    parser.finish()
    return (events, parser)
}

private func parse(_ text: String) throws -> [SSEEvent] { try parse(Array(text.utf8)).events }
private func data(_ text: String) throws -> [String] { try parse(text).map(\.data) }

// MARK: - web-platform-tests eventsource/format-*, as a checklist

@Test func wptFormatBOM() throws {
    let stream = bom + Array("data:1\n\n".utf8) + bom + Array("data:2\n\ndata:3\n\n".utf8)
    #expect(try parse(stream).events.map(\.data) == ["1", "3"])
}

@Test func wptFormatBOM2OnlyOneBOMIsStripped() throws {
    let stream = bom + bom + Array("data:1\n\ndata:2\n\ndata:3\n\n".utf8)
    #expect(try parse(stream).events.map(\.data) == ["2", "3"])
}

@Test func wptFormatComments() throws {
    let long = String(repeating: "x", count: 2048)
    let text = "data:1\r:\0\n:\r\ndata:2\n:" + long + "\rdata:3\n:data:fail\r:" + long + "\ndata:4\n\n"
    #expect(try data(text) == ["1\n2\n3\n4"])
}

@Test func wptFormatDataBeforeFinalEmptyLine() throws {
    let (events, parser) = try parse(Array("retry:1000\ndata:test1\n\nid:test\ndata:test2".utf8))
    #expect(events == [SSEEvent(data: "test1")])
    #expect(parser.lastEventID == "", "the unfinished event's id is discarded with it")
}

@Test func wptFormatFieldData() throws {
    #expect(try data("data:\n\ndata\ndata\n\ndata:test\n\n") == ["", "\n", "test"])
}

@Test func wptFormatFieldEvent() throws {
    #expect(try parse("event:test\ndata:x\n\ndata:x\n\n") == [SSEEvent(type: "test", data: "x"), SSEEvent(data: "x")])
}

@Test func wptFormatFieldEventEmpty() throws {
    #expect(try parse("event: \ndata:data\n\n") == [SSEEvent(type: "message", data: "data")])
}

@Test func wptFormatFieldID() throws {
    let (events, parser) = try parse(Array("id: 1\ndata: 1\n\n".utf8))
    #expect(events == [SSEEvent(data: "1", lastEventID: "1")])
    #expect(parser.lastEventID == "1")
}

@Test func wptFormatFieldID2() throws {
    let events = try parse("id: 1\ndata: 1\n\nid: 2\ndata:2\n\nid\ndata:3\n\n")
    #expect(events.map(\.lastEventID) == ["1", "2", ""])
}

@Test func wptFormatFieldIDNullIsIgnored() throws {
    let (events, parser) = try parse(Array("id: 1\n\nid: 2\u{0}3\ndata: x\n\n".utf8))
    #expect(events == [SSEEvent(data: "x", lastEventID: "1")])
    #expect(parser.lastEventID == "1")
}

@Test func wptFormatFieldParsing() throws {
    let text = "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n"
    #expect(try data(text) == ["\0\n 2\n1\n3\n\n4"])
}

@Test func wptFormatFieldRetry() throws {
    let (events, parser) = try parse(Array("retry:03000\ndata:x\n\n".utf8))
    #expect(events.map(\.data) == ["x"])
    #expect(parser.retryMilliseconds == 3000)
    #expect(parser.retry == .seconds(3))
}

@Test func wptFormatFieldRetryBogus() throws {
    let (_, parser) = try parse(Array("retry:2000\nretry:1000x\ndata:x\n\n".utf8))
    #expect(parser.retryMilliseconds == 2000)
}

@Test func wptFormatFieldRetryEmpty() throws {
    let (events, parser) = try parse(Array("retry\ndata:test\n\n".utf8))
    #expect(events.map(\.data) == ["test"])
    #expect(parser.retryMilliseconds == nil)
}

@Test func wptFormatFieldUnknown() throws {
    let text = "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n"
    #expect(try data(text) == ["test\n\ntest"])
}

@Test func wptFormatLeadingSpace() throws {
    #expect(try data("data:\ttest\rdata: \ndata:test\n\n") == ["\ttest\n\ntest"])
}

@Test func wptFormatNewlines() throws {
    #expect(try data("data:test\r\ndata\ndata:test\r\n\r") == ["test\n\ntest"])
}

@Test func wptFormatNullCharacter() throws {
    #expect(try data("data:\0\n\n") == ["\0"])
}

@Test func wptFormatUTF8() throws {
    #expect(try parse(Array("data:ok".utf8) + [0xE2, 0x80, 0xA6] + Array("\n\n".utf8)).events.map(\.data) == ["ok…"])
}

// MARK: - Rules beyond the WPT list

@Test func invalidUTF8BecomesReplacementCharacters() throws {
    let stream: [UInt8] = Array("data:a".utf8) + [0xFF] + Array("b".utf8) + [0xE2, 0x82] + Array("\nevent:".utf8) + [0xC3] + Array("\n\n".utf8)
    #expect(try parse(stream).events == [SSEEvent(type: "\u{FFFD}", data: "a\u{FFFD}b\u{FFFD}")])
}

@Test func multibyteCharacterSplitAcrossChunks() throws {
    let stream = Array("data:é€😀\n\n".utf8)
    for cut in 0...stream.count {
        #expect(try parse(stream, cutAt: [cut]).events.map(\.data) == ["é€😀"])
    }
}

@Test func bomSplitAcrossChunksIsStripped() throws {
    let stream = bom + Array("data:1\n\n".utf8)
    #expect(try parse(stream, cutAt: [1, 2]).events.map(\.data) == ["1"])
    #expect(try parse(stream, cutAt: [1]).events.map(\.data) == ["1"])
    #expect(try parse(stream, cutAt: [2, 3]).events.map(\.data) == ["1"])
}

@Test func partialBOMIsKeptAsLineContent() throws {
    // EF BB then "data" is not a BOM: the bytes decode to U+FFFD and spoil the field name.
    let stream: [UInt8] = [0xEF, 0xBB] + Array("data:1\n\ndata:2\n\n".utf8)
    #expect(try parse(stream).events.map(\.data) == ["2"])
    #expect(try parse(stream, cutAt: [1, 2]).events.map(\.data) == ["2"])
    #expect(try parse([0xEF] + Array("\ndata:3\n\n".utf8), cutAt: [1]).events.map(\.data) == ["3"])
}

@Test func bomIsOnlyStrippedAtTheStart() throws {
    #expect(try parse(Array("data:1\n\n".utf8) + bom + Array("data:2\n\n".utf8)).events.map(\.data) == ["1"])
}

@Test func crAtChunkEndAndLFAtNextStartAreOneLineEnd() throws {
    // Were the LF a second line end, the blank line would dispatch "a" and "b" separately.
    let stream = Array("data:a\r\ndata:b\r\n\r\n".utf8)
    #expect(try parse(stream, cutAt: [7]).events.map(\.data) == ["a\nb"])
    #expect(try parse(stream, cutAt: [7, 8]).events.map(\.data) == ["a\nb"])
    #expect(try parse(stream, cutAt: [7, 7, 7]).events.map(\.data) == ["a\nb"], "empty chunks keep the CR pending")
}

@Test func crThenCRIsABlankLine() throws {
    #expect(try data("data:a\r\rdata:b\r\r") == ["a", "b"])
}

@Test func fieldWithoutColonHasAnEmptyValue() throws {
    #expect(try parse("event\ndata\n\n") == [SSEEvent(data: "")])
}

@Test func onlyTheFirstColonSplitsAndOnlyOneSpaceIsDropped() throws {
    #expect(try parse("event:  a:b\ndata: x: y\n\n") == [SSEEvent(type: " a:b", data: "x: y")])
}

@Test func fieldNamesAreCaseSensitive() throws {
    #expect(try parse("DATA:x\nEvent:y\nID:1\n\n").isEmpty)
}

@Test func emptyDataDispatchesNothingButResetsTheType() throws {
    #expect(try parse("event:foo\n\ndata:x\n\n") == [SSEEvent(data: "x")])
}

@Test func blankLineWithoutDataStillSetsTheLastEventID() throws {
    let (events, parser) = try parse(Array("id:7\n\n".utf8))
    #expect(events.isEmpty)
    #expect(parser.lastEventID == "7")
}

@Test func emptyIDResetsTheLastEventID() throws {
    let (events, parser) = try parse(Array("id:1\ndata:a\n\nid:\ndata:b\n\n".utf8))
    #expect(events.map(\.lastEventID) == ["1", ""])
    #expect(parser.lastEventID == "")
}

@Test func idPersistsAcrossEventsWithoutOne() throws {
    #expect(try parse("id:1\ndata:a\n\ndata:b\n\n").map(\.lastEventID) == ["1", "1"])
}

@Test func retryAcceptsOnlyASCIIDigits() throws {
    for (text, expected) in [("retry: 1500\n", 1500), ("retry:-1\n", nil), ("retry: 1 5\n", nil), ("retry:\n", nil),
                             ("retry:  15\n", nil), ("retry:١٢\n", nil), ("retry:99999999999999999999999\n", Int.max)] as [(String, Int?)] {
        #expect(try parse(Array(text.utf8)).parser.retryMilliseconds == expected, "\(text)")
    }
}

@Test func unfinishedEventIsDiscardedByFinish() throws {
    var parser = SSEParser()
    #expect(try parser.parse(Array("id:5\nevent:x\ndata:half".utf8)).isEmpty)
    parser.finish()
    #expect(try parser.parse(Array("\n\n".utf8)).isEmpty)
    #expect(parser.lastEventID == "")
    #expect(try parser.parse(Array("data:whole\n\n".utf8)) == [SSEEvent(data: "whole")])
}

@Test func finishStartsANewStreamWithItsOwnBOM() throws {
    var parser = SSEParser()
    _ = try parser.parse(bom + Array("id:1\n\n".utf8))
    parser.finish()
    #expect(try parser.parse(bom + Array("data:2\n\n".utf8)) == [SSEEvent(data: "2", lastEventID: "1")])
}

@Test func seededLastEventIDIsUsedUntilReplaced() throws {
    var parser = SSEParser(lastEventID: "41")
    #expect(try parser.parse(Array("data:a\n\nid:42\ndata:b\n\n".utf8)).map(\.lastEventID) == ["41", "42"])
}

@Test func closureFormDeliversEventsInOrder() throws {
    var parser = SSEParser()
    var seen: [String] = []
    try parser.parse(Array("data:1\n\ndata:2\n\n".utf8)) { seen.append($0.data) }
    #expect(seen == ["1", "2"])
}

@Test func nonContiguousCollectionsAreAccepted() throws {
    var parser = SSEParser()
    #expect(try parser.parse("data:x\n\n".utf8) == [SSEEvent(data: "x")])
}

// MARK: - Caps

@Test func lineCapThrowsNamingTheCap() throws {
    let limits = SSEParser.Limits(maxLineBytes: 8, maxEventDataBytes: 100)
    #expect(try parse(Array("data:123\n\n".utf8), limits: limits).events.map(\.data) == ["123"])
    #expect(throws: SSEParser.Error(.lineTooLong, limit: 8)) {
        try parse(Array("data:1234\n\n".utf8), limits: limits)
    }
    #expect(throws: SSEParser.Error(.lineTooLong, limit: 8), "also across chunks, before the line ends") {
        var parser = SSEParser(limits: limits)
        for _ in 0..<100 { _ = try parser.parse(Array(": com".utf8)) }
    }
    #expect(SSEParser.Error(.lineTooLong, limit: 8).description.contains("maxLineBytes (8 bytes)"))
}

@Test func eventCapThrowsNamingTheCapAfterDeliveringEarlierEvents() throws {
    let limits = SSEParser.Limits(maxLineBytes: 100, maxEventDataBytes: 10)
    #expect(try parse(Array("data:12345\ndata:123\n\n".utf8), limits: limits).events.map(\.data) == ["12345\n123"])
    var parser = SSEParser(limits: limits)
    var delivered: [String] = []
    #expect(throws: SSEParser.Error(.eventTooLarge, limit: 10)) {
        try parser.parse(Array("data:ok\n\ndata:12345\ndata:1234\n\n".utf8)) { delivered.append($0.data) }
    }
    #expect(delivered == ["ok"])
    #expect(SSEParser.Error(.eventTooLarge, limit: 10).description.contains("maxEventDataBytes"))
}

@Test func defaultCaps() {
    #expect(SSEParser.Limits() == SSEParser.Limits(maxLineBytes: 1 << 20, maxEventDataBytes: 4 << 20))
}

// MARK: - Chunking does not matter

private let sample: [UInt8] = bom + Array((
    ": hello\r\nretry: 2500\r\nid: 1\r\nevent: notification\r\ndata: {\"t\":\"é€😀\"}\r\n\r\n"
    + "data: first\rdata:second\r\rid\ndata:  spaced\n\n:ping\n\nevent:x\ndata\n\n"
    + "id: 9\u{0}\nid: 10\ndata: last\r\n\r\ndata: unfinished"
).utf8)

@Test func everySplitPointGivesTheSameEvents() throws {
    let (whole, wholeParser) = try parse(sample)
    #expect(whole.count == 5)
    #expect(whole.first == SSEEvent(type: "notification", data: "{\"t\":\"é€😀\"}", lastEventID: "1"))
    #expect(whole.last == SSEEvent(data: "last", lastEventID: "10"))
    for cut in 0...sample.count {
        let (events, parser) = try parse(sample, cutAt: [cut])
        #expect(events == whole, "cut at \(cut)")
        #expect(parser.lastEventID == wholeParser.lastEventID && parser.retryMilliseconds == 2500)
    }
    #expect(try parse(sample, cutAt: Array(0...sample.count)).events == whole, "byte by byte")
}

/// A straightforward reading of the spec over decoded text, to check the byte-level parser against.
private func referenceParse(_ bytes: [UInt8]) -> (events: [SSEEvent], lastEventID: String, retry: Int?) {
    let body = bytes.starts(with: bom) ? Array(bytes.dropFirst(3)) : bytes
    let scalars = Array(String(decoding: body, as: UTF8.self).unicodeScalars)
    var lines: [String] = [], current = String.UnicodeScalarView(), i = 0
    while i < scalars.count {
        let s = scalars[i]
        if s == "\r" || s == "\n" {
            lines.append(String(current))
            current = .init()
            if s == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
        } else {
            current.append(s)
        }
        i += 1
    }
    var events: [SSEEvent] = [], data = "", type = "", idBuffer = "", lastID = "", retry: Int?
    for line in lines {
        if line.isEmpty {
            lastID = idBuffer
            if data.isEmpty { type = ""; continue }
            data.removeLast()
            events.append(SSEEvent(type: type.isEmpty ? "message" : type, data: data, lastEventID: lastID))
            data = ""; type = ""
            continue
        }
        if line.hasPrefix(":") { continue }
        var field = line, value = ""
        if let colon = line.firstIndex(of: ":") {
            field = String(line[..<colon])
            value = String(line[line.index(after: colon)...])
            if value.hasPrefix(" ") { value.removeFirst() }
        }
        switch field {
        case "event": type = value
        case "data": data += value + "\n"
        case "id": if !value.contains("\0") { idBuffer = value }
        case "retry": if !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.isASCII && ("0"..."9").contains($0) }) { retry = Int(value) }
        default: break
        }
    }
    return (events, lastID, retry)
}

@Test func randomStreamsInRandomChunksMatchTheReference() throws {
    var random = SeededRandom(seed: 0xBE1F_2026)
    let pieces: [[UInt8]] = [
        Array("data".utf8), Array("data:".utf8), Array("data: x".utf8), Array("event:".utf8), Array("event: ping".utf8),
        Array("id: 7".utf8), Array("id".utf8), Array("id:\u{0}".utf8), Array("retry: 12".utf8), Array("retry: x".utf8),
        Array(":comment".utf8), Array("unknown: y".utf8), Array(" data: z".utf8), Array("é€😀".utf8), Array(":".utf8),
        [0xFF], [0xE2, 0x82], bom, Array("  ".utf8), [0x00],
        [0x0A], [0x0D], [0x0D, 0x0A], [0x0A, 0x0A], [0x0D, 0x0D], [0x0D, 0x0A, 0x0D, 0x0A],
    ]
    for round in 0..<300 {
        var stream: [UInt8] = Bool.random(using: &random) ? bom : []
        for _ in 0..<Int.random(in: 0...40, using: &random) {
            stream += pieces[Int.random(in: 0..<pieces.count, using: &random)]
        }
        var cuts: [Int] = []
        var at = 0
        while at < stream.count {
            at += Int.random(in: 0...5, using: &random)
            cuts.append(min(at, stream.count))
        }
        let expected = referenceParse(stream)
        let (events, parser) = try parse(stream, cutAt: cuts)
        #expect(events == expected.events, "round \(round)")
        #expect(parser.lastEventID == expected.lastEventID, "round \(round)")
        #expect(parser.retryMilliseconds == expected.retry, "round \(round)")
    }
}

/// ntfy's framing (docs/subscribe/api.md): `open` and `keepalive` are named events, a message has no
/// `event:` line, so it is type "message" and `stream.event = "message"` picks exactly the messages.
@Test func ntfyMessagesWithoutAnEventLineAreTypeMessage() throws {
    let events = try parse("""
        event: open
        data: {"id":"o1","event":"open","topic":"alerts"}

        data: {"id":"m1","event":"message","topic":"alerts","message":"hi"}

        event: keepalive
        data: {"id":"k1","event":"keepalive","topic":"alerts"}


        """)
    #expect(events.map(\.type) == ["open", "message", "keepalive"])
    #expect(events.filter { $0.type == "message" }.map(\.data) == [#"{"id":"m1","event":"message","topic":"alerts","message":"hi"}"#])
}
