import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Verification

/// How to reach the SMS gateway webhook.
public struct WebhookSettings: Sendable, Equatable {
    public var url: String
    public var bearerToken: String?
    public var timeout: Duration

    /// `https://…` (or `http://` for local use).
    public init(url: String, bearerToken: String?, timeout: Duration = .seconds(10)) throws(MailConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", components.host?.isEmpty == false
        else { throw MailConfigurationError("expected https://host/path (or http:// for local use)") }
        self.url = url
        self.bearerToken = bearerToken
        self.timeout = timeout
    }
}

/// SMS through an HTTP webhook: a POST of Fresns' SMS command as JSON.
///
/// 2xx is delivered; 4xx is a permanent failure; 5xx, timeouts and connection errors are transient.
public struct WebhookSMSDriver: DeliveryDriver {
    public let name = "webhook"
    private let settings: WebhookSettings
    private let client: HTTPClient

    /// A driver posting to `settings.url` with the shared HTTP client.
    public init(settings: WebhookSettings, client: HTTPClient = .shared) {
        self.settings = settings
        self.client = client
    }

    /// Fresns' SMS command, plus the language of the chosen template and the template id.
    struct Payload: Encodable {
        var countryCode: Int
        var phoneNumber: String
        var signName: String
        var templateCode: String
        var templateParam: [String: String]
        var langTag: String
        var templateId: Int
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        guard case .sms(let sms) = message.content, let countryCode = message.countryCode,
            let number = message.nationalNumber
        else { throw DeliveryFailure.permanent("not an SMS") }
        let payload = Payload(
            countryCode: countryCode, phoneNumber: number, signName: sms.signName, templateCode: sms.templateCode,
            templateParam: [sms.codeParam: message.code], langTag: sms.langTag,
            templateId: message.templateId)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "verifyd")
        if let token = settings.bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: try encoder.encode(payload)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .init(settings.timeout))
        } catch {
            throw DeliveryFailure.transient("webhook: \(error)")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        switch response.status.code {
        case 200...299: return
        case 400...499: throw DeliveryFailure.permanent("webhook HTTP \(response.status.code)")
        default: throw DeliveryFailure.transient("webhook HTTP \(response.status.code)")
        }
    }
}

extension WebhookSettings: SecretHolding {
    public var redactedDescription: String {
        let host = URLComponents(string: url)?.host ?? "?"
        return "WebhookSettings(host: \(host), token: \(bearerToken == nil ? "none" : "redacted"))"
    }
}
