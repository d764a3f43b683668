import Testing

@testable import VerifydHTTP

/// Generated request ids: 16 lowercase hex digits, never the same twice in a process, from any thread.
@Suite struct RequestIDTests {
    @Test func generatedIdsAreSixteenHexDigitsAndDistinct() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5_000).map { _ in RequestID.generate() } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 20_000)
        #expect(Set(ids).count == ids.count, "an id repeated")
        let hexDigit: (UInt8) -> Bool = { (48...57).contains($0) || (97...102).contains($0) }
        #expect(ids.allSatisfy { $0.utf8.count == 16 && $0.utf8.allSatisfy(hexDigit) })
    }

    @Test func aSaneIncomingIdIsKeptAndAnInsaneOneReplaced() {
        #expect(RequestID.of("trace-42.a_B") == "trace-42.a_B")
        #expect(RequestID.of("bad id") != "bad id")
        #expect(RequestID.of(String(repeating: "a", count: 129)).utf8.count == 16)
    }
}
