import Hummingbird
import Logging
import RedisClient
import ServiceLifecycle
import UnixSignals
import Verification

/// Wires a whole verifyd process from its configuration.
public struct VerifydServices: Sendable {
    public let configuration: VerifydConfiguration
    public let redis: RedisClient
    public let crypto: CodeCrypto
    public let readiness = Readiness()
    let logger: Logger

    /// The parts of a process; nothing runs yet.
    public init(configuration: VerifydConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.redis = RedisClient(configuration: configuration.redis, logger: logger, connectionName: "verifyd")
        self.crypto = CodeCrypto(secret: configuration.codeSecret, length: configuration.codeLength)
    }

    /// The drivers chosen for each channel.
    public func drivers() -> DeliveryDrivers {
        var drivers: [Channel: any DeliveryDriver] = [:]
        if configuration.email == .log { drivers[.email] = LogDeliveryDriver() }
        if configuration.sms == .log { drivers[.sms] = LogDeliveryDriver() }
        return drivers.isEmpty ? DeliveryDrivers([:]) : DeliveryDrivers(drivers)
    }

    /// The application's dependencies.
    public func dependencies() -> AppDependencies {
        AppDependencies(
            redis: redis,
            sendVerifyCode: SendVerifyCode(redis: redis, settings: configuration.send, crypto: crypto, logger: logger),
            readiness: readiness)
    }

    /// A delivery worker with its own Redis connection.
    public func worker() -> DeliveryWorker {
        var settings = DeliveryWorker.Settings()
        settings.keys = configuration.send.keys
        return DeliveryWorker(
            redisConfiguration: configuration.redis, drivers: drivers(), crypto: crypto, settings: settings, logger: logger)
    }

    /// `verifyd serve`: Redis, the worker (unless disabled), the HTTP server, and the shutdown announcer.
    /// Graceful shutdown runs in reverse: announce, drain HTTP, finish deliveries, close Redis.
    public func serveGroup() -> ServiceGroup {
        var services: [any Service] = [redis]
        if configuration.runWorker { services.append(worker()) }
        services.append(buildApplication(dependencies(), configuration: configuration, logger: logger))
        services.append(ShutdownAnnouncer(readiness: readiness, drainDelay: configuration.drainDelay))
        return group(services)
    }

    /// `verifyd worker`: only the delivery worker.
    public func workerGroup() -> ServiceGroup { group([worker()]) }

    private func group(_ services: [any Service]) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}
