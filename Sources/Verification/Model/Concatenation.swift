extension String {
    /// `parts` one after another, written into one string of the exact size: keys, seal contexts and other text
    /// made on every request. A chain of `+` makes a string per step, and each `append` costs a few hundred
    /// instructions.
    init(concatenating parts: [String]) {
        var total = 0
        for part in parts { total += part.utf8.count }
        self.init(unsafeUninitializedCapacity: total) { buffer in
            var offset = 0
            for var part in parts {
                offset += part.withUTF8 { bytes in
                    guard let base = bytes.baseAddress else { return 0 }
                    (buffer.baseAddress! + offset).update(from: base, count: bytes.count)
                    return bytes.count
                }
            }
            return offset
        }
    }
}
