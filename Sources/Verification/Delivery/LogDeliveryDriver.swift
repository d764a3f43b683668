/// Development driver: prints one JSON line per message to standard output, code included.
///
/// The only place a code ever appears in output. `LineWriter` writes the line from its own thread, never on an
/// event loop or the cooperative pool; a delivery completes once its line is written. The lines of messages read
/// together are written together.
public struct LogDeliveryDriver: BatchDeliveryDriver {
    public let name = "log"
    private let output: LineWriter

    /// A driver writing to `output` (standard output by default).
    public init(output: LineWriter = .standardOutput) {
        self.output = output
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        try await deliver(batch: [message])
    }

    /// Writes every message's line in one write.
    public func deliver(batch messages: [DeliveryMessage]) async throws {
        var lines: [UInt8] = []
        lines.reserveCapacity(320 * messages.count)
        for message in messages {
            Self.appendLine(message, to: &lines)
            lines.append(0x0A)
        }
        await output.write(lines)
    }

    /// The JSON object of one message, its members written in key order.
    static func line(_ message: DeliveryMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        appendLine(message, to: &out)
        return out
    }

    /// Appends the JSON object of one message to `out`: a batch's lines go straight into one buffer.
    static func appendLine(_ message: DeliveryMessage, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        func text(_ key: String, _ value: String, first: Bool = false) {
            JSONText.appendKey(key, first: first, to: &out)
            JSONText.appendString(value, to: &out)
        }
        func number(_ key: String, _ value: Int) {
            JSONText.appendKey(key, to: &out)
            out.append(contentsOf: String(value).utf8)
        }
        text("channel", message.channel.rawValue, first: true)
        text("code", message.code)
        if let countryCode = message.countryCode { number("countryCode", countryCode) }
        text("event", "verify-code")
        text("id", message.id)
        text("lang", message.langTag)
        if let number = message.nationalNumber { text("phoneNumber", number) }
        switch message.content {
        case .email(let email): text("subject", email.subject)
        case .sms(let sms): text("templateCode", sms.templateCode)
        }
        number("templateId", message.templateId)
        text("to", message.recipient)
        out.append(UInt8(ascii: "}"))
    }
}
