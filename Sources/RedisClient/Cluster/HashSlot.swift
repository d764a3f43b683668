/// Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
///
/// A hash tag is the part between the first `{` and the next `}` when that part is not empty: `verify:{a@b.c}:code:1`
/// and `verify:{a@b.c}:sends` share a slot, so one script may touch both.
public enum HashSlot {
    /// The number of slots of a cluster.
    public static let count = 16384

    /// The slot of `key`.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        if let slot = key.withContiguousStorageIfAvailable(slot(ofBytes:)) { return slot }
        return Array(key).withUnsafeBufferPointer(slot(ofBytes:))
    }

    /// The slot of a string key (its UTF-8 bytes).
    public static func of(_ key: String) -> Int {
        var key = key
        return key.withUTF8(slot(ofBytes:))
    }

    /// Read from the key's storage: a copy into an array, or a generic walk of the bytes, cost more than the CRC.
    private static func slot(ofBytes bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            return Int(crc16(UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close])) % UInt16(count))
        }
        return Int(crc16(bytes) % UInt16(count))
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection, as the cluster specification says.
    static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt16 = 0
            for byte in bytes {
                crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
            }
            return crc
        }
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
