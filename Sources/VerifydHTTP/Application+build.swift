import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
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

/// The routes `dependencies` and `settings` serve: thin controllers over the use cases. The internal check route
/// exists only when a token is configured, `/metrics` only with a registry.
func makeEndpoints(_ dependencies: AppDependencies, settings: HTTPSettings, logger: Logger) -> Endpoints {
    Endpoints(
        send: SendVerifyCodeController(
            useCase: dependencies.sendVerifyCode, signatures: dependencies.signatures,
            clientAddresses: ClientAddressResolver(trustedProxies: settings.trustedProxies)),
        check: settings.internalToken.map {
            CheckVerifyCodeController(useCase: dependencies.checkVerifyCode, token: $0)
        },
        health: HealthController(redis: dependencies.redis, readiness: dependencies.readiness),
        metrics: dependencies.metrics.map(MetricsController.init),
        logger: logger)
}

/// The method and path of every route served, for the API description's test.
public func servedRoutes(_ dependencies: AppDependencies, settings: HTTPSettings) -> [(method: String, path: String)] {
    makeEndpoints(dependencies, settings: settings, logger: Logger(label: "verifyd")).routes.map {
        ($0.method.rawValue, $0.rawValue)
    }
}

/// The HTTP application for `settings`; `services` run alongside the server (the Redis client in tests).
/// HummingbirdCore's server listens and shuts down gracefully; verifyd's own channel (`VerifydHTTPChannel`) answers
/// every request, so Hummingbird's router stays empty.
public func buildApplication(
    _ dependencies: AppDependencies, settings: HTTPSettings, services: [any Service] = [],
    logger: Logger
) -> some ApplicationProtocol {
    let endpoints = makeEndpoints(dependencies, settings: settings, logger: logger)
    return Application(
        router: Router(),
        server: HTTPServerBuilder { _ in VerifydHTTPChannel(endpoints: endpoints, settings: settings) },
        // A deep accept queue: a burst of thousands of connections (a load balancer warming up) is not dropped.
        configuration: .init(
            address: .hostname(settings.host, port: settings.port), serverName: "verifyd", backlog: 4096),
        services: services,
        logger: logger
    )
}
