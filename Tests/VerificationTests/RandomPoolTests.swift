import Testing

@testable import Verification

/// The pool of system randomness that codes and nonces are drawn from.
@Suite struct RandomPoolTests {
    /// Words drawn from four tasks at once, across many refills of the pool, are never handed out twice (64-bit
    /// words from a CSPRNG would collide by chance about once in 10^11 runs of this test), and are not all zero.
    @Test func noWordIsHandedOutTwice() async {
        let drawn = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var words: [UInt64] = []
                    for _ in 0..<2_000 {
                        let (a, b, c) = RandomPool.threeWords()
                        words += [a, b, c]
                    }
                    return words
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(drawn.count == 24_000)
        #expect(Set(drawn).count == drawn.count)
        #expect(drawn.filter { $0 == 0 }.count < 2, "zeroed words are never handed out")
    }

    /// Codes are uniform over their digits: over 20,000 six-digit codes, each digit in each place shows about a
    /// tenth of the time (within 15 %), and codes keep their length.
    @Test func codesUseEveryDigitInEveryPlace() throws {
        let crypto = CodeCrypto(secret: "test-secret-0123456789abcdef", length: 6)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 6)
        for _ in 0..<20_000 {
            let code = try crypto.generateSealed(context: "c").code
            #expect(code.utf8.count == 6)
            for (place, digit) in code.utf8.enumerated() { counts[place][Int(digit - 48)] += 1 }
        }
        for place in counts { #expect(place.allSatisfy { (1_700...2_300).contains($0) }, "\(place)") }
    }
}
