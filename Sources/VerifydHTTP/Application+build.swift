import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import RedisClient
import ServiceLifecycle
import Verification

/// What the HTTP application needs: a running Redis client, the use cases and the readiness flag.
public struct AppDependencies: Sendable {
    public var redis: RedisClient
    public var sendVerifyCode: SendVerifyCode
    public var checkVerifyCode: CheckVerifyCode
    public var signatures: SignatureVerifier?
    public var readiness: Readiness
    /// Where `/metrics` reads from; no route without one.
    public var metrics: PrometheusCollectorRegistry?

    /// Dependencies from their parts.
    public init(
        redis: RedisClient, sendVerifyCode: SendVerifyCode, checkVerifyCode: CheckVerifyCode,
        signatures: SignatureVerifier?, readiness: Readiness, metrics: PrometheusCollectorRegistry? = nil
    ) {
        self.metrics = metrics
        self.redis = redis
        self.sendVerifyCode = sendVerifyCode
        self.checkVerifyCode = checkVerifyCode
        self.signatures = signatures
        self.readiness = readiness
    }
}

/// The router: envelope errors around every route, thin controllers. The internal check route exists only
/// when a token is configured.
public func buildRouter(_ dependencies: AppDependencies, settings: HTTPSettings) -> Router<VerifydRequestContext> {
    let router = Router(context: VerifydRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: EnvelopeErrorMiddleware())
    SendVerifyCodeController(
        useCase: dependencies.sendVerifyCode, signatures: dependencies.signatures,
        clientAddresses: ClientAddressResolver(trustedProxies: settings.trustedProxies),
        maxBodySize: settings.maxBodySize
    ).register(on: router)
    if let token = settings.internalToken {
        CheckVerifyCodeController(
            useCase: dependencies.checkVerifyCode, token: token, maxBodySize: settings.maxBodySize
        )
        .register(on: router)
    }
    HealthController(redis: dependencies.redis, readiness: dependencies.readiness).register(on: router)
    if let registry = dependencies.metrics { MetricsController(registry: registry).register(on: router) }
    router.get("/openapi.yaml") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
    }
    return router
}

/// The HTTP application for `settings`; `services` run alongside the server (the Redis client in tests).
public func buildApplication(
    _ dependencies: AppDependencies, settings: HTTPSettings, services: [any Service] = [],
    logger: Logger
) -> some ApplicationProtocol {
    let requestTimeout = TimeAmount(settings.requestTimeout)
    let headerBytes = settings.maxHeaderBytes
    let server = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout)],
        idleTimeout: .init(settings.idleTimeout),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: headerBytes, maxHeaderListSize: headerBytes, maxHeaderFieldCount: 100))
    return Application(
        router: buildRouter(dependencies, settings: settings),
        server: .http1(configuration: server),
        // A deep accept queue: a burst of thousands of connections (a load balancer warming up) is not dropped.
        configuration: .init(
            address: .hostname(settings.host, port: settings.port), serverName: "verifyd", backlog: 4096),
        services: services,
        logger: logger
    )
}
