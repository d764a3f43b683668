import Testing
import Verification

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The key a per-IP budget counts: IPv4 per address, IPv6 per network of a configurable prefix (/56 by default).
@Suite struct IPv6LimitKeyTests {
    /// IPv4's text is written by hand: it is `inet_ntop`'s for every byte value in every position (0, 9, 10, 99,
    /// 100, 255 and the rest), and for random addresses.
    @Test func ipv4TextIsInetNtops() {
        func ntop(_ bytes: [UInt8]) -> String {
            var buffer = [CChar](repeating: 0, count: 16)
            var address = bytes
            _ = address.withUnsafeMutableBytes { inet_ntop(AF_INET, $0.baseAddress, &buffer, 16) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var generator = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = []
        for value in 0...255 {
            let byte = UInt8(value)
            cases.append([byte, 255 - byte, byte / 2, byte &* 7])
        }
        cases += (0..<500).map { _ in (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for bytes in cases {
            let address = IPAddress(bytes: bytes)!
            #expect(address.description == ntop(bytes))
            #expect(IPAddress(address.description) == address, "reads back")
        }
        #expect(IPAddress(bytes: [0, 0, 0, 0])!.description == "0.0.0.0")
        #expect(IPAddress(bytes: [255, 255, 255, 255])!.description == "255.255.255.255")
        #expect(IPAddress("203.0.113.7\u{0}9") == nil, "a NUL does not end the text early")
        #expect(IPAddress(String(repeating: "1", count: 46)) == nil)
    }

    @Test func ipv4IsTheAddressWhateverThePrefix() {
        let address = IPAddress("203.0.113.7")!
        #expect(address.limitKey == "203.0.113.7")
        for length in [0, 32, 56, 64, 128] { #expect(address.limitKey(ipv6PrefixLength: length) == "203.0.113.7") }
        #expect(IPAddress("::ffff:203.0.113.7")!.limitKey == "203.0.113.7", "IPv4-mapped counts as IPv4")
    }

    @Test func ipv6IsGroupedPer56ByDefault() {
        #expect(IPAddress.defaultIPv6PrefixLength == 56)
        let address = IPAddress("2001:db8:1:2:3:4:5:6")!
        #expect(address.limitKey == "2001:db8:1::/56")
        #expect(address.limitKey == address.limitKey(ipv6PrefixLength: 56))
        #expect(
            IPAddress("2001:db8:1:ff::1")!.limitKey == address.limitKey, "one subscriber's /56: 256 /64s, one budget")
        #expect(IPAddress("2001:db8:1:100::1")!.limitKey == "2001:db8:1:100::/56", "the next /56 is another budget")
    }

    @Test func per64SeparatesWhatPer56Joins() {
        let first = IPAddress("2001:db8:1:2::7")!
        let second = IPAddress("2001:db8:1:3::8")!
        #expect(first.limitKey(ipv6PrefixLength: 56) == second.limitKey(ipv6PrefixLength: 56))
        #expect(first.limitKey(ipv6PrefixLength: 64) == "2001:db8:1:2::/64")
        #expect(second.limitKey(ipv6PrefixLength: 64) == "2001:db8:1:3::/64")
        #expect(
            first.limitKey(ipv6PrefixLength: 64) == IPAddress("2001:db8:1:2:ffff::1")!.limitKey(ipv6PrefixLength: 64))
    }

    @Test(arguments: [
        (0, "::/0"), (-5, "::/0"), (1, "::/1"), (32, "2001:db8::/32"), (48, "2001:db8:abcd::/48"),
        (57, "2001:db8:abcd:1280::/57"), (63, "2001:db8:abcd:12fe::/63"), (127, "2001:db8:abcd:12ff:1:2:3:4/127"),
        (128, "2001:db8:abcd:12ff:1:2:3:5/128"), (200, "2001:db8:abcd:12ff:1:2:3:5/128"),
    ])
    func edgePrefixes(length: Int, expected: String) {
        #expect(IPAddress("2001:db8:abcd:12ff:1:2:3:5")!.limitKey(ipv6PrefixLength: length) == expected)
    }

    @Test func bytesMakeAddresses() {
        #expect(IPAddress(bytes: [203, 0, 113, 7])?.description == "203.0.113.7")
        #expect(
            IPAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 203, 0, 113, 7]) == IPAddress("203.0.113.7"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil && IPAddress(bytes: []) == nil)
    }
}
