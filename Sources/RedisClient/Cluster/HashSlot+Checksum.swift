extension HashSlot {
    /// CRC16 (XMODEM) of `key`'s UTF-8 bytes, without hash-tag rules: the checksum behind `CLUSTER KEYSLOT`, for
    /// callers that spread their own keys.
    public static func checksum(_ key: String) -> UInt16 {
        var key = key
        return key.withUTF8(crc16)
    }
}
