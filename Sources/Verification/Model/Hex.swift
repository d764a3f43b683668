/// Lowercase hexadecimal, without Foundation's format machinery (hot path: every code hash).
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The lowercase hex form of `bytes`.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
