/// Development driver: prints one JSON line per message to standard output, code included.
///
/// The only place a code ever appears in output. `LineWriter` writes the line from its own thread, never on an
/// event loop or the cooperative pool; a delivery completes once its line is written.
public struct LogDeliveryDriver: DeliveryDriver {
    public let name = "log"
    private let output: LineWriter

    /// A driver writing to `output` (standard output by default).
    public init(output: LineWriter = .standardOutput) {
        self.output = output
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        var line = Self.line(message)
        line.append(0x0A)
        await output.write(line)
    }

    /// The JSON object of one message, its members in key order.
    static func line(_ message: DeliveryMessage) -> [UInt8] {
        enum Value {
            case text(String)
            case number(Int)
        }
        var members: [(String, Value)] = [
            ("channel", .text(message.channel.rawValue)), ("code", .text(message.code)),
            ("event", .text("verify-code")), ("id", .text(message.id)), ("lang", .text(message.langTag)),
            ("templateId", .number(message.templateId)), ("to", .text(message.recipient)),
        ]
        if let countryCode = message.countryCode { members.append(("countryCode", .number(countryCode))) }
        if let number = message.nationalNumber { members.append(("phoneNumber", .text(number))) }
        switch message.content {
        case .email(let email): members.append(("subject", .text(email.subject)))
        case .sms(let sms): members.append(("templateCode", .text(sms.templateCode)))
        }
        members.sort { $0.0 < $1.0 }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(256)
        for (index, (key, value)) in members.enumerated() {
            JSONText.appendKey(key, first: index == 0, to: &out)
            switch value {
            case .text(let text): JSONText.appendString(text, to: &out)
            case .number(let number): out.append(contentsOf: String(number).utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
