import Crypto

/// Fresns' request signature: MD5 of the signed headers in byte order, encoded as PHP `http_build_query`,
/// followed by `&AppSecret=<secret>`.
public enum FresnsSignature {
    /// The headers that are signed (when not empty), in byte order.
    public static let signedHeaders = [
        "X-Fresns-Aid", "X-Fresns-Aid-Token", "X-Fresns-App-Id", "X-Fresns-Client-Platform-Id",
        "X-Fresns-Client-Version", "X-Fresns-Signature-Timestamp", "X-Fresns-Uid", "X-Fresns-Uid-Token",
    ].sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

    /// The lowercase hex signature of `headers` (by name) with the app's secret.
    public static func sign(_ headers: [String: String], secret: String) -> String {
        let query = signedHeaders.compactMap { name -> String? in
            guard let value = headers[name], !value.isEmpty else { return nil }
            return phpURLEncode(name) + "=" + phpURLEncode(value)
        }.joined(separator: "&")
        let digest = Insecure.MD5.hash(data: Array((query + "&AppSecret=" + secret).utf8))
        return digest.withUnsafeBytes { Hex.encode($0) }
    }

    /// PHP `urlencode` (RFC 1738, as `http_build_query` uses it): letters, digits and `-_.` stay, space is `+`,
    /// every other byte is `%XX` in uppercase hex.
    public static func phpURLEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F: out.append(byte)
            case 0x20: out.append(0x2B)
            default: out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Constant-time equality of two ASCII strings.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
