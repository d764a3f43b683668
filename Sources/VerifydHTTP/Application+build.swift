import Hummingbird
import ServiceLifecycle
import Logging
import RedisClient
import Verification

/// What the HTTP application needs: a running Redis client, the use case and the readiness flag.
public struct AppDependencies: Sendable {
    public var redis: RedisClient
    public var sendVerifyCode: SendVerifyCode
    public var readiness: Readiness

    /// Dependencies from their parts.
    public init(redis: RedisClient, sendVerifyCode: SendVerifyCode, readiness: Readiness) {
        self.redis = redis
        self.sendVerifyCode = sendVerifyCode
        self.readiness = readiness
    }
}

/// The router: envelope errors around every route, thin controllers.
public func buildRouter(_ dependencies: AppDependencies, maxBodySize: Int) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: EnvelopeErrorMiddleware())
    SendVerifyCodeController(useCase: dependencies.sendVerifyCode, maxBodySize: maxBodySize).register(on: router)
    HealthController(redis: dependencies.redis, readiness: dependencies.readiness).register(on: router)
    return router
}

/// The HTTP application for `configuration`; `services` run alongside the server (the Redis client in tests).
public func buildApplication(
    _ dependencies: AppDependencies, configuration: VerifydConfiguration, services: [any Service] = [],
    logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(dependencies, maxBodySize: configuration.maxBodySize),
        server: .http1(configuration: .init(idleTimeout: .init(configuration.idleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "verifyd"),
        services: services,
        logger: logger
    )
}
