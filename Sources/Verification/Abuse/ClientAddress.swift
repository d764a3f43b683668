import Crypto
import Logging
import Metrics

/// Which address a request comes from, for the per-IP limits.
public struct ClientAddressResolver: Sendable {
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed.
    public let trustedProxies: [CIDR]
    private let logger: Logger

    /// A resolver trusting `trustedProxies`, warning on `logger` about `X-Forwarded-For` entries it cannot read.
    public init(trustedProxies: [CIDR], logger: Logger = Logger(label: "verifyd")) {
        self.trustedProxies = trustedProxies
        self.logger = logger
    }

    /// The range of the pseudo-addresses of unparsable `X-Forwarded-For` entries: 240.0.0.0/5, part of the reserved
    /// 240.0.0.0/4, which no client on the internet has.
    public static let pseudoAddresses = CIDR("240.0.0.0/5")!

    /// The socket peer, or — when the peer is a trusted proxy — the right-most `X-Forwarded-For` entry that is
    /// not itself a trusted proxy. A header from an untrusted peer is ignored, so it cannot be spoofed. Empty
    /// entries are skipped. An entry that is not an address, where the walk reaches it, counts as its own
    /// pseudo-address (`pseudoAddress(for:)`), logged and counted, never as the proxy: that would put every
    /// client behind the proxy into one budget.
    public func resolve(peer: IPAddress?, forwardedFor: String?) -> IPAddress? {
        guard let peer else { return nil }
        guard isTrusted(peer), let forwardedFor else { return peer }
        var client = peer
        for text in forwardedFor.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).reversed() {
            switch ForwardedForEntry(utf8: text) {
            case .empty:
                continue
            case .address(let address):
                client = address
                if !isTrusted(address) { return address }
            case .unparsable(let normalized):
                let pseudo = Self.pseudoAddress(for: normalized)
                Counter(label: "verifyd_forwarded_for_unparsable_total").increment()
                logger.warning(
                    "X-Forwarded-For entry is not an address: counted under a pseudo-address",
                    metadata: [
                        "proxy": "\(client)", "pseudo_address": "\(pseudo)", "length": "\(normalized.utf8.count)",
                    ])
                return pseudo
            }
        }
        return client
    }

    /// The address an unparsable entry counts under: 240.0.0.0/5 plus 27 bits of the SHA-256 of its text, so the
    /// same text always gets the same budget, on every instance.
    public static func pseudoAddress(for text: String) -> IPAddress {
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        return IPAddress(bytes: [0xF0 | (digest[0] & 0x07), digest[1], digest[2], digest[3]])!
    }

    private func isTrusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
}

/// One comma-separated entry of `X-Forwarded-For`, as proxies write them: an address, optionally with a port
/// (`203.0.113.7:5678`), an IPv6 address optionally in brackets (`[2001:db8::1]`, `[2001:db8::1]:443`), any of
/// them in double quotes (`"[2001:db8::1]:443"`), with spaces or tabs around.
public enum ForwardedForEntry: Sendable, Equatable {
    /// Nothing but whitespace: skipped, like an empty element of any HTTP list.
    case empty
    /// The entry's address; a port is dropped.
    case address(IPAddress)
    /// Anything else (`unknown`, a host name, a zone id, a bad port), trimmed, unquoted and lowercased.
    case unparsable(String)

    /// Reads one entry.
    public init(_ entry: Substring) {
        self.init(utf8: entry.utf8)
    }

    /// Reads one entry by its bytes: every character it looks for is ASCII, and a search by Character would break
    /// the text into grapheme clusters first (a resolution cost about 16,000 instructions that way).
    init(utf8 entry: Substring.UTF8View) {
        var text = Self.trimmed(entry)
        if text.isEmpty {
            self = .empty
            return
        }
        if text.count >= 2, text.first == UInt8(ascii: "\""), text.last == UInt8(ascii: "\"") {
            text = Self.trimmed(text.dropFirst().dropLast())
        }
        self = Self.parse(text).map(Self.address) ?? .unparsable(Substring(text).lowercased())
    }

    /// The address of `[v6]`, `[v6]:port`, `v4:port` or a bare address; nil for anything else.
    private static func parse(_ text: Substring.UTF8View) -> IPAddress? {
        if text.first == UInt8(ascii: "[") {
            guard let close = text.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.first == UInt8(ascii: ":") && isPort(rest.dropFirst())) else { return nil }
            return bare(text[text.index(after: text.startIndex)..<close])
        }
        let colons = text.count { $0 == UInt8(ascii: ":") }
        if colons == 1 {
            let colon = text.firstIndex(of: UInt8(ascii: ":"))!
            guard isPort(text[text.index(after: colon)...]) else { return nil }
            return bare(text[..<colon])  // IPv6 text has at least two colons: this is IPv4 and a port
        }
        return bare(text)
    }

    /// Dotted IPv4 or IPv6 text and nothing else (no brackets, spaces, zone ids).
    private static func bare(_ host: Substring.UTF8View) -> IPAddress? {
        guard !host.isEmpty,
            host.allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") })
        else { return nil }
        return IPAddress(text: host)
    }

    /// 1 to 5 digits, at most 65535.
    private static func isPort(_ text: Substring.UTF8View) -> Bool {
        guard (1...5).contains(text.count), text.allSatisfy({ (48...57).contains($0) }) else { return false }
        return text.reduce(0) { $0 * 10 + Int($1 - 48) } <= 65535
    }

    /// Without the spaces and tabs around it.
    private static func trimmed(_ text: Substring.UTF8View) -> Substring.UTF8View {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = text.firstIndex(where: { !isBlank($0) }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !isBlank($0) })!
        return text[first...last]
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
