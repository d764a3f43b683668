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
        LineWriter.standardError.append(line(for: event))
    }

    /// The event's line, with its newline.
    func line(for event: LogEvent) -> [UInt8] {
        // The event's own metadata wins over the provider's (the request id), which wins over the handler's. Gathered
        // as pairs, not merged dictionaries: most lines carry only their own metadata and perhaps a request id.
        let own = event.metadata ?? [:]
        var pairs = Array(own)
        let provided = metadataProvider?.get() ?? [:]
        for (key, value) in provided where own[key] == nil { pairs.append((key, value)) }
        for (key, value) in metadata where own[key] == nil && provided[key] == nil { pairs.append((key, value)) }
        var line = Self.line(
            timestamp: Self.now(), level: event.level, message: event.message.description, label: label,
            source: event.source, metadata: pairs)
        line.append(0x0A)
        return line
    }

    /// The JSON object of one log line (without its newline). Metadata keys that collide with the fixed ones are
    /// left out; the others follow in key order, so lines of one kind read alike.
    static func line(
        timestamp: String, level: Logger.Level, message: String, label: String, source: String,
        metadata: some Sequence<(key: String, value: Logger.Metadata.Value)>
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + message.utf8.count)
        // The fixed keys are appended as they are written, not escaped on every line.
        out.append(contentsOf: Self.tsKey)
        JSONText.appendString(timestamp, to: &out)
        out.append(contentsOf: Self.levelKey)
        JSONText.appendString(level.rawValue, to: &out)
        out.append(contentsOf: Self.msgKey)
        JSONText.appendString(message, to: &out)
        out.append(contentsOf: Self.labelKey)
        JSONText.appendString(label, to: &out)
        out.append(contentsOf: Self.sourceKey)
        JSONText.appendString(source, to: &out)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !isFixed(key) {
            JSONText.appendKey(key, to: &out)
            appendValue(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let tsKey = Array(#"{"ts":"#.utf8)
    private static let levelKey = Array(#","level":"#.utf8)
    private static let msgKey = Array(#","msg":"#.utf8)
    private static let labelKey = Array(#","label":"#.utf8)
    private static let sourceKey = Array(#","source":"#.utf8)

    private static func isFixed(_ key: String) -> Bool {
        switch key {
        case "ts", "level", "msg", "label", "source": true
        default: false
        }
    }

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
        // Written digit by digit into 24 bytes: this runs for every log line.
        return String(unsafeUninitializedCapacity: 24) { bytes in
            var end = 0
            func put(_ value: Int32, digits: Int, then: UInt8) {
                var value = value
                for position in stride(from: end + digits - 1, through: end, by: -1) {
                    bytes[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                bytes[end + digits] = then
                end += digits + 1
            }
            put(parts.tm_year + 1900, digits: 4, then: UInt8(ascii: "-"))
            put(parts.tm_mon + 1, digits: 2, then: UInt8(ascii: "-"))
            put(parts.tm_mday, digits: 2, then: UInt8(ascii: "T"))
            put(parts.tm_hour, digits: 2, then: UInt8(ascii: ":"))
            put(parts.tm_min, digits: 2, then: UInt8(ascii: ":"))
            put(parts.tm_sec, digits: 2, then: UInt8(ascii: "."))
            put(Int32(milliseconds), digits: 3, then: UInt8(ascii: "Z"))
            return end
        }
    }
}
