import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// Development driver: prints one JSON line per message to standard output, code included.
///
/// The only place a code ever appears in output. Writes happen on NIO's blocking thread pool, never on an
/// event loop or the cooperative pool.
public struct LogDeliveryDriver: DeliveryDriver {
    public let name = "log"
    private let output: FileHandle
    private let lock = NIOLock()
    private let pool: NIOThreadPool

    /// A driver writing to `output` (standard output by default).
    public init(output: FileHandle = .standardOutput, pool: NIOThreadPool = .singleton) {
        self.output = output
        self.pool = pool
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        var object: [String: Any] = [
            "event": "verify-code", "channel": message.channel.rawValue, "to": message.recipient,
            "templateId": message.templateId, "lang": message.langTag, "code": message.code, "id": message.id,
        ]
        if let countryCode = message.countryCode { object["countryCode"] = countryCode }
        if let number = message.nationalNumber { object["phoneNumber"] = number }
        switch message.content {
        case .email(let email): object["subject"] = email.subject
        case .sms(let sms): object["templateCode"] = sms.templateCode
        }
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(0x0A)
        let bytes = line
        let output = self.output
        let lock = self.lock
        try await pool.runIfActive {
            try lock.withLock { try output.write(contentsOf: bytes) }
        }
    }
}
