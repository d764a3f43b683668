extension HashSlot {
    /// CRC16 (XMODEM) of `bytes`, without hash-tag rules: the checksum behind `CLUSTER KEYSLOT`, for callers that
    /// spread their own keys.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt16 { crc16(ArraySlice(bytes)) }
}
