import Testing
import Verification

/// `X-Forwarded-For` entries as proxies write them, and which entry decides the client address.
@Suite struct ForwardedForEntryTests {
    private func entry(_ text: String) -> ForwardedForEntry { ForwardedForEntry(Substring(text)) }
    private func address(_ text: String) -> ForwardedForEntry { .address(IPAddress(text)!) }

    @Test(arguments: [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:5678", "203.0.113.7"),
        ("203.0.113.7:0", "203.0.113.7"),
        ("203.0.113.7:65535", "203.0.113.7"),
        ("  203.0.113.7\t", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        (" [2001:db8::1]:443 ", "2001:db8::1"),
        ("\"[2001:db8::1]:443\"", "2001:db8::1"),
        ("\"203.0.113.7\"", "203.0.113.7"),
        ("\" 203.0.113.7:80 \"", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("[::ffff:203.0.113.7]:80", "203.0.113.7"),
        ("[203.0.113.7]:80", "203.0.113.7"),
    ])
    func addressesWithPortsBracketsQuotesAndSpaces(text: String, expected: String) {
        #expect(entry(text) == address(expected), "\(text)")
    }

    @Test(arguments: [
        "unknown", "Unknown", "example.com", "example.com:80", "_hidden", "203.0.113", "203.0.113.7.1", "256.1.1.1",
        "203.0.113.7:", "203.0.113.7:65536", "203.0.113.7:123456", "203.0.113.7:-1", "203.0.113.7:8o",
        "203.0.113.7 :80",
        "203.0.113.7:80:90", "[2001:db8::1", "2001:db8::1]", "[2001:db8::1]443", "[2001:db8::1]:", "[2001:db8::1]:x",
        "[]", "[]:80", "fe80::1%eth0", "[fe80::1%25eth0]:80", "2001:db8:::1", "\"203.0.113.7", "203.0.113.7\"", "\"\"",
        "for=203.0.113.7", "203.0.113.7 198.51.100.1", "１.2.3.4",
    ])
    func anythingElseIsUnparsable(text: String) {
        guard case .unparsable = entry(text) else {
            Issue.record("\(text) was read as \(entry(text))")
            return
        }
    }

    @Test func unparsableEntriesAreNormalizedForTheirBucket() {
        #expect(entry("  Unknown ") == .unparsable("unknown"))
        #expect(entry("\"UNKNOWN\"") == .unparsable("unknown"))
        #expect(entry("") == .empty && entry(" \t ") == .empty)
    }

    private let resolver = ClientAddressResolver(trustedProxies: CIDR.parseList("10.0.0.0/8, fd00::/8")!)
    private let proxy = IPAddress("10.0.0.2")!

    private func resolve(_ header: String?, peer: IPAddress? = IPAddress("10.0.0.2")) -> String? {
        resolver.resolve(peer: peer, forwardedFor: header)?.description
    }

    @Test func theRightMostUntrustedEntryDecides() {
        #expect(resolve("198.51.100.7") == "198.51.100.7")
        #expect(resolve("198.51.100.7:5678") == "198.51.100.7")
        #expect(resolve("[2001:db8::7]:443, 10.0.0.9:80") == "2001:db8::7")
        #expect(resolve("1.1.1.1, 198.51.100.7") == "198.51.100.7", "entries left of the deciding one are the client's")
        #expect(resolve("garbage, 198.51.100.7") == "198.51.100.7", "an unparsable entry left of it does not matter")
        #expect(resolve("198.51.100.7, , 10.0.0.9") == "198.51.100.7", "empty entries are skipped")
        #expect(resolve("10.0.0.8, 10.0.0.9") == "10.0.0.8", "all trusted: the left-most")
        #expect(resolve(nil) == "10.0.0.2" && resolve("") == "10.0.0.2" && resolve(" , ") == "10.0.0.2")
        #expect(resolve("198.51.100.7", peer: IPAddress("203.0.113.5")) == "203.0.113.5", "untrusted peer: ignored")
        #expect(resolve("garbage", peer: IPAddress("203.0.113.5")) == "203.0.113.5")
        #expect(resolver.resolve(peer: nil, forwardedFor: "198.51.100.7") == nil)
    }

    @Test func anUnparsableDecidingEntryGetsItsOwnPseudoAddressNotTheProxys() throws {
        let unknown = try #require(resolver.resolve(peer: proxy, forwardedFor: "unknown"))
        #expect(unknown != proxy, "not every client behind the proxy in one budget")
        #expect(ClientAddressResolver.pseudoAddresses.contains(unknown))
        #expect(unknown == ClientAddressResolver.pseudoAddress(for: "unknown"))
        #expect(resolver.resolve(peer: proxy, forwardedFor: " \"UNKNOWN\" ") == unknown, "normalized: the same budget")
        #expect(resolver.resolve(peer: proxy, forwardedFor: "unknown, 10.0.0.9") == unknown, "behind trusted hops too")
        #expect(
            resolver.resolve(peer: IPAddress("10.0.0.3"), forwardedFor: "unknown") == unknown,
            "the same on every proxy, so on every instance")
        let other = try #require(resolver.resolve(peer: proxy, forwardedFor: "example.com"))
        #expect(other != unknown && ClientAddressResolver.pseudoAddresses.contains(other))
        #expect(unknown.limitKey == unknown.description, "IPv4: never grouped, whatever the IPv6 prefix")
    }

    @Test func pseudoAddressesAreStableAndSpread() {
        #expect(ClientAddressResolver.pseudoAddress(for: "unknown").description == "242.58.106.132")
        let addresses = Set((0..<1000).map { ClientAddressResolver.pseudoAddress(for: "entry-\($0)") })
        #expect(addresses.count == 1000)
        #expect(addresses.allSatisfy { ClientAddressResolver.pseudoAddresses.contains($0) && $0.bytes.count == 4 })
        #expect(!ClientAddressResolver.pseudoAddresses.contains(IPAddress("255.255.255.255")!))
    }
}
