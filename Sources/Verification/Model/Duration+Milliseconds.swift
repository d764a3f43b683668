extension Duration {
    /// Whole milliseconds, rounded down (for Redis arguments such as BLOCK and min-idle-time).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a floating-point number (for gauges and histograms).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
