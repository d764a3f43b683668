import DeliveryDrivers
import Hummingbird
import Logging
import Prometheus
import RedisClient
import ServiceLifecycle
import UnixSignals
import Verification
import VerifydHTTP

/// Wires a whole verifyd process from its configuration.
public struct VerifydServices: Sendable {
    public let configuration: VerifydConfiguration
    public let redis: RedisClient
    public let crypto: CodeCrypto
    public let templates: TemplateStore
    public let drivers: DeliveryDrivers
    public let readiness = Readiness()
    /// Each channel's oldest queued delivery, as the outbox monitor sees it; sends refuse when it is too old.
    public let backlog: DeliveryBacklog
    /// The registry `/metrics` renders (the one the process bootstrapped swift-metrics with).
    public var metrics: PrometheusCollectorRegistry?
    let logger: Logger

    /// The parts of a process; nothing runs yet. Throws when the templates file is invalid.
    public init(configuration: VerifydConfiguration, logger: Logger) throws(TemplateError) {
        self.configuration = configuration
        self.logger = logger
        self.redis = RedisClient(configuration: configuration.redis, logger: logger, connectionName: "verifyd")
        self.crypto = CodeCrypto(secret: configuration.codeSecret, length: configuration.codeLength)
        self.templates = try TemplateStore(
            path: configuration.templatesPath, siteName: configuration.siteName,
            defaultLanguage: configuration.defaultLanguage)
        self.drivers = Self.makeDrivers(configuration)
        self.backlog = DeliveryBacklog(maxWait: configuration.maxDeliveryWait, logger: logger)
    }

    /// The driver chosen for each channel.
    static func makeDrivers(_ configuration: VerifydConfiguration) -> DeliveryDrivers {
        var drivers: [Channel: any DeliveryDriver] = [:]
        switch configuration.email {
        case .none: break
        case .log: drivers[.email] = LogDeliveryDriver()
        case .smtp(let settings):
            drivers[.email] = SMTPDeliveryDriver(settings: settings, concurrency: configuration.delivery.concurrency)
        }
        switch configuration.sms {
        case .none: break
        case .log: drivers[.sms] = LogDeliveryDriver()
        case .webhook(let settings):
            drivers[.sms] = WebhookSMSDriver(settings: settings, concurrency: configuration.delivery.concurrency)
        }
        return DeliveryDrivers(drivers)
    }

    /// The application's dependencies.
    public func dependencies() -> AppDependencies {
        AppDependencies(
            redis: redis,
            sendVerifyCode: SendVerifyCode(
                redis: redis, settings: configuration.send, crypto: crypto, templates: templates, logger: logger,
                backlog: backlog),
            checkVerifyCode: CheckVerifyCode(
                redis: redis, keys: configuration.keys, crypto: crypto,
                maxAttempts: configuration.maxCheckAttempts, failureLimits: configuration.send.checkFailureLimits,
                logger: logger),
            signatures: configuration.requireSignature
                ? SignatureVerifier(redis: redis, keys: configuration.keys) : nil,
            readiness: readiness, metrics: metrics)
    }

    /// A delivery worker with its own Redis connection.
    public func worker() -> DeliveryWorker {
        DeliveryWorker(
            redis: redis, drivers: drivers, crypto: crypto, templates: templates, settings: configuration.delivery,
            logger: logger)
    }

    /// `verifyd serve`: Redis, the worker (unless disabled), the HTTP server, and the shutdown announcer.
    /// Graceful shutdown runs in reverse: announce, drain HTTP, finish deliveries, close Redis.
    public func serveGroup() -> ServiceGroup {
        var services: [any Service] = [
            redis, TemplateReloader(store: templates, logger: logger),
            OutboxMonitor(
                redis: redis, keys: configuration.keys, backlog: backlog,
                deadLetterRetention: configuration.deadLetterRetention),
        ]
        if configuration.runWorker { services.append(worker()) }
        services.append(buildApplication(dependencies(), settings: configuration.http, logger: logger))
        services.append(ShutdownAnnouncer(readiness: readiness, drainDelay: configuration.http.drainDelay))
        return group(services)
    }

    /// `verifyd worker`: only the delivery worker (and the Redis pool it acknowledges through).
    public func workerGroup() -> ServiceGroup {
        group([redis, TemplateReloader(store: templates, logger: logger), worker()])
    }

    private func group(_ services: [any Service]) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}
