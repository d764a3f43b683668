import Logging
import Verification

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One JSON object per line on standard error: `ts`, `level`, `msg`, `label`, `source`, then the metadata by key.
///
/// The line is written by hand (no Foundation serializer, no date formatter per line): at `info`, a send logs one
/// line and its delivery another, so this is on the hot path. `LineWriter` writes it, off the event loops.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    /// A handler for `label`.
    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = Self.line(
            timestamp: Self.now(), level: event.level, message: "\(event.message)", label: label,
            source: event.source, metadata: merged)
        line.append(0x0A)
        LineWriter.standardError.append(line)
    }

    /// The JSON object of one log line (without its newline). Metadata keys that collide with the fixed ones are
    /// left out; the others follow in key order, so lines of one kind read alike.
    static func line(
        timestamp: String, level: Logger.Level, message: String, label: String, source: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.utf8.count)
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in [
            ("ts", timestamp), ("level", level.rawValue), ("msg", message), ("label", label), ("source", source),
        ].enumerated() {
            JSONText.appendKey(key, first: index == 0, to: &out)
            JSONText.appendString(value, to: &out)
        }
        for key in metadata.keys.sorted() where !fixedKeys.contains(key) {
            JSONText.appendKey(key, to: &out)
            appendValue(metadata[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let fixedKeys: Set<String> = ["ts", "level", "msg", "label", "source"]

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text): JSONText.appendString(text, to: &out)
        case .stringConvertible(let convertible): JSONText.appendString(convertible.description, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let entries):
            out.append(UInt8(ascii: "{"))
            for (index, key) in entries.keys.sorted().enumerated() {
                JSONText.appendKey(key, first: index == 0, to: &out)
                appendValue(entries[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Now, in UTC, as RFC 3339 with milliseconds: `2026-11-30T02:04:48.123Z`.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return timestamp(seconds: Int(spec.tv_sec), milliseconds: Int(spec.tv_nsec) / 1_000_000)
    }

    /// `seconds` since 1970 in UTC, with `milliseconds`, as RFC 3339.
    static func timestamp(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.utf8.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
            + "T" + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + "."
            + digits(Int32(milliseconds), 3) + "Z"
    }
}
