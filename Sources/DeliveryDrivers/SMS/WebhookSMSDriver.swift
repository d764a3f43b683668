import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
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
///
/// The driver has an `HTTPClient` of its own, whose pool keeps up to `concurrency` connections to the gateway
/// (`HTTPClient.shared` keeps 8 per host, which would cap the calls in flight at 8). It runs on NIO's singleton event
/// loops and is shut down when the last copy of the driver is released: no one has to remember to, and it is never
/// released un-shut-down (which AsyncHTTPClient treats as a bug).
public struct WebhookSMSDriver: DeliveryDriver {
    public let name = "webhook"
    private let settings: WebhookSettings
    private let holder: ClientHolder

    /// A driver posting to `settings.url` with a client of its own: up to `concurrency` connections to the gateway,
    /// closed after 60 s idle.
    public init(settings: WebhookSettings, concurrency: Int) {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, concurrency))
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.settings = settings
        self.holder = ClientHolder(client, owned: true)
    }

    /// A driver posting to `settings.url` with `client`, which the caller owns (and shuts down).
    public init(settings: WebhookSettings, client: HTTPClient) {
        self.settings = settings
        self.holder = ClientHolder(client, owned: false)
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
            response = try await holder.client.execute(request, timeout: .init(settings.timeout))
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

/// The driver's client, shut down when the last copy of the driver is released if the driver made it. The shutdown
/// does not block: the client closes its idle connections and stays alive until it is done.
private final class ClientHolder: Sendable {
    let client: HTTPClient
    private let owned: Bool

    init(_ client: HTTPClient, owned: Bool) {
        self.client = client
        self.owned = owned
    }

    deinit { if owned { client.shutdown { _ in } } }
}

extension WebhookSettings: SecretHolding {
    public var redactedDescription: String {
        let host = URLComponents(string: url)?.host ?? "?"
        return "WebhookSettings(host: \(host), token: \(bearerToken == nil ? "none" : "redacted"))"
    }
}
