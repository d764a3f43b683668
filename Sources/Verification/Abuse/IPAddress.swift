import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as bytes, parsed with `inet_pton`.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes.
    public let bytes: [UInt8]

    /// Parses dotted IPv4 or IPv6 text (an IPv4-mapped IPv6 address becomes IPv4); nil when invalid.
    public init?(_ text: String) {
        self.init(text: text.trimmingCharacters(in: " []").utf8)
    }

    /// Parses the bytes of dotted IPv4 or IPv6 text, with nothing around them; nil when invalid.
    init?(text: some Collection<UInt8>) {
        // inet_pton reads a C string: the text and a NUL, in 48 bytes on the stack (the longest address is 45).
        var cString: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        guard !text.isEmpty, text.count <= 45, !text.contains(0) else { return nil }
        let parsed: [UInt8]? = withUnsafeMutableBytes(of: &cString) { raw in
            _ = raw.copyBytes(from: text)
            let source = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            var v4 = in_addr()
            if inet_pton(AF_INET, source, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, source, &v6) == 1 else { return nil }
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        guard let parsed else { return nil }
        self.init(uncheckedBytes: parsed)
    }

    /// An address from its 4 (IPv4) or 16 (IPv6) bytes (an IPv4-mapped IPv6 address becomes IPv4); nil for any
    /// other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.init(uncheckedBytes: bytes)
    }

    /// The text form (`203.0.113.7`, `2001:db8::1`).
    public var description: String {
        if bytes.count == 4 {
            // Dotted decimal by hand: this names the per-IP budgets of every send. IPv6's canonical form (RFC 5952)
            // is inet_ntop's.
            return String(unsafeUninitializedCapacity: 15) { out in
                var end = 0
                for (index, byte) in bytes.enumerated() {
                    if index > 0 {
                        out[end] = UInt8(ascii: ".")
                        end += 1
                    }
                    if byte >= 100 {
                        out[end] = UInt8(ascii: "0") + byte / 100
                        end += 1
                    }
                    if byte >= 10 {
                        out[end] = UInt8(ascii: "0") + byte / 10 % 10
                        end += 1
                    }
                    out[end] = UInt8(ascii: "0") + byte % 10
                    end += 1
                }
                return end
            }
        }
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = copy.withUnsafeMutableBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// How many leading bits of an IPv6 address the per-IP limits count by default: /56, what many providers give
    /// one subscriber (RIPE-690), who with /64 keys could rotate through 256 budgets.
    public static let defaultIPv6PrefixLength = 56

    /// The key a rate limit counts: the address for IPv4, its /56 network for IPv6 (one subscriber's range).
    public var limitKey: String { limitKey(ipv6PrefixLength: Self.defaultIPv6PrefixLength) }

    /// The key a rate limit counts: the address for IPv4; for IPv6 its network of `ipv6PrefixLength` bits (clamped
    /// to 0...128) with the length, e.g. `2001:db8:1::/56`.
    public func limitKey(ipv6PrefixLength: Int) -> String {
        guard bytes.count == 16 else { return description }
        let length = min(max(ipv6PrefixLength, 0), 128)
        return masked(to: length).description + "/\(length)"
    }

    /// This address with every bit after the first `prefixLength` cleared.
    private func masked(to prefixLength: Int) -> IPAddress {
        var remaining = prefixLength
        var kept = bytes
        for index in kept.indices {
            let take = min(8, max(remaining, 0))
            kept[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            remaining -= take
        }
        return IPAddress(uncheckedBytes: kept)
    }

    /// From 4 or 16 bytes; an IPv4-mapped IPv6 address becomes IPv4.
    private init(uncheckedBytes raw: [UInt8]) {
        bytes =
            raw.count == 16 && raw.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] ? Array(raw.suffix(4)) : raw
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var sub = Substring(self)
        while let first = sub.first, chars.contains(first) { sub = sub.dropFirst() }
        while let last = sub.last, chars.contains(last) { sub = sub.dropLast() }
        return String(sub)
    }
}

/// An address range such as `10.0.0.0/8` or `fd00::/8`.
public struct CIDR: Sendable, Hashable {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix` (a bare address is a single host); nil when invalid.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : bits
        guard let length, (0...bits).contains(length) else { return nil }
        network = address
        prefixLength = length
    }

    /// Whether `address` is inside this range.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a & mask != b & mask { return false }
            remaining -= take
        }
        return true
    }

    /// Parses a comma-separated list; nil when an entry is invalid.
    public static func parseList(_ text: String) -> [CIDR]? {
        var ranges: [CIDR] = []
        for part in text.split(separator: ",") {
            guard let range = CIDR(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            ranges.append(range)
        }
        return ranges
    }
}
