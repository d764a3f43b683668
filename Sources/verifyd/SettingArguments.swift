import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import VerifydHTTP

/// Command-line options; each overrides the environment variable of the same name.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "VERIFYD_HOST") var host: String?
    @Option(help: "VERIFYD_PORT") var port: String?
    @Option(help: "VERIFYD_REDIS_URL") var redisUrl: String?
    @Option(help: "VERIFYD_REDIS_TIMEOUT_MS") var redisTimeoutMs: String?
    @Option(help: "VERIFYD_REDIS_POOL_SIZE") var redisPoolSize: String?
    @Option(help: "VERIFYD_KEY_PREFIX") var keyPrefix: String?
    @Option(help: "VERIFYD_RATE_LIMITS") var rateLimits: String?
    @Option(help: "VERIFYD_CODE_LENGTH") var codeLength: String?
    @Option(help: "VERIFYD_CODE_TTL") var codeTtl: String?
    @Option(help: "VERIFYD_CODE_SECRET (prefer the environment: options show in `ps`)") var codeSecret: String?
    @Option(help: "VERIFYD_DEV") var dev: String?
    @Option(help: "VERIFYD_EMAIL") var email: String?
    @Option(help: "VERIFYD_SMS") var sms: String?
    @Option(help: "VERIFYD_SMTP_STARTTLS") var smtpStarttls: String?
    @Option(help: "VERIFYD_EMAIL_FROM") var emailFrom: String?
    @Option(help: "VERIFYD_SMTP_TIMEOUT_MS") var smtpTimeoutMs: String?
    @Option(help: "VERIFYD_SMTP_CA_FILE") var smtpCaFile: String?
    @Option(help: "VERIFYD_SMS_TOKEN (prefer the environment)") var smsToken: String?
    @Option(help: "VERIFYD_SMS_TIMEOUT_MS") var smsTimeoutMs: String?
    @Option(help: "VERIFYD_TEMPLATES") var templates: String?
    @Option(help: "VERIFYD_SITE_NAME") var siteName: String?
    @Option(help: "VERIFYD_DEFAULT_LANG") var defaultLang: String?
    @Option(help: "VERIFYD_DELIVERY_BACKOFF") var deliveryBackoff: String?
    @Option(help: "VERIFYD_DELIVERY_MAX_ATTEMPTS") var deliveryMaxAttempts: String?
    @Option(help: "VERIFYD_DELIVERY_CONCURRENCY") var deliveryConcurrency: String?
    @Option(help: "VERIFYD_DELIVERY_CLAIM_IDLE") var deliveryClaimIdle: String?
    @Option(help: "VERIFYD_LOGIN_OR_REGISTER") var loginOrRegister: String?
    @Option(help: "VERIFYD_WORKER") var worker: String?
    @Option(help: "VERIFYD_DRAIN_DELAY_MS") var drainDelayMs: String?
    @Option(help: "VERIFYD_LOG_LEVEL") var logLevel: String?
    @Option(help: "VERIFYD_LOG_FORMAT") var logFormat: String?
    @Option(help: "VERIFYD_INTERNAL_TOKEN (prefer the environment)") var internalToken: String?
    @Option(help: "VERIFYD_MAX_CHECK_ATTEMPTS") var maxCheckAttempts: String?
    @Option(help: "VERIFYD_SIGNATURE") var signature: String?
    @Option(help: "VERIFYD_IP_RATE_LIMITS") var ipRateLimits: String?
    @Option(help: "VERIFYD_TRUSTED_PROXIES") var trustedProxies: String?
    @Option(help: "VERIFYD_SMS_COUNTRY_CODES") var smsCountryCodes: String?
    @Option(help: "VERIFYD_SMS_COUNTRY_RATE_LIMITS") var smsCountryRateLimits: String?
    @Option(help: "VERIFYD_REQUEST_TIMEOUT_MS") var requestTimeoutMs: String?
    @Option(help: "VERIFYD_MAX_HEADER_BYTES") var maxHeaderBytes: String?

    /// The environment with the options laid over it.
    func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        let overrides: [(String, String?)] = [
            ("VERIFYD_HOST", host), ("VERIFYD_PORT", port), ("VERIFYD_REDIS_URL", redisUrl),
            ("VERIFYD_REDIS_TIMEOUT_MS", redisTimeoutMs), ("VERIFYD_REDIS_POOL_SIZE", redisPoolSize),
            ("VERIFYD_KEY_PREFIX", keyPrefix), ("VERIFYD_RATE_LIMITS", rateLimits),
            ("VERIFYD_CODE_LENGTH", codeLength), ("VERIFYD_CODE_TTL", codeTtl),
            ("VERIFYD_CODE_SECRET", codeSecret), ("VERIFYD_DEV", dev), ("VERIFYD_EMAIL", email),
            ("VERIFYD_SMS", sms), ("VERIFYD_LOGIN_OR_REGISTER", loginOrRegister), ("VERIFYD_WORKER", worker),
            ("VERIFYD_SMTP_STARTTLS", smtpStarttls), ("VERIFYD_EMAIL_FROM", emailFrom),
            ("VERIFYD_SMTP_TIMEOUT_MS", smtpTimeoutMs), ("VERIFYD_SMTP_CA_FILE", smtpCaFile),
            ("VERIFYD_SMS_TOKEN", smsToken), ("VERIFYD_SMS_TIMEOUT_MS", smsTimeoutMs), ("VERIFYD_TEMPLATES", templates),
            ("VERIFYD_SITE_NAME", siteName), ("VERIFYD_DEFAULT_LANG", defaultLang),
            ("VERIFYD_DELIVERY_BACKOFF", deliveryBackoff), ("VERIFYD_DELIVERY_MAX_ATTEMPTS", deliveryMaxAttempts),
            ("VERIFYD_DELIVERY_CONCURRENCY", deliveryConcurrency), ("VERIFYD_DELIVERY_CLAIM_IDLE", deliveryClaimIdle),
            ("VERIFYD_DRAIN_DELAY_MS", drainDelayMs), ("VERIFYD_LOG_LEVEL", logLevel), ("VERIFYD_LOG_FORMAT", logFormat),
            ("VERIFYD_INTERNAL_TOKEN", internalToken), ("VERIFYD_MAX_CHECK_ATTEMPTS", maxCheckAttempts),
            ("VERIFYD_SIGNATURE", signature), ("VERIFYD_IP_RATE_LIMITS", ipRateLimits),
            ("VERIFYD_TRUSTED_PROXIES", trustedProxies), ("VERIFYD_SMS_COUNTRY_CODES", smsCountryCodes),
            ("VERIFYD_SMS_COUNTRY_RATE_LIMITS", smsCountryRateLimits), ("VERIFYD_REQUEST_TIMEOUT_MS", requestTimeoutMs),
            ("VERIFYD_MAX_HEADER_BYTES", maxHeaderBytes),
        ]
        for case (let name, let value?) in overrides { env[name] = value }
        return env
    }

    /// The process's services, or a validation error that names every problem (exit code 64).
    func services() throws -> (VerifydServices, Logger) {
        switch VerifydConfiguration.load(environment: environment()) {
        case .failure(let error):
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(64)
        case .success(let configuration):
            let level = configuration.logLevel
            if configuration.logJSON {
                LoggingSystem.bootstrap(
                    { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
                    metadataProvider: RequestID.metadataProvider)
            } else {
                LoggingSystem.bootstrap(
                    { label, provider in
                        var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                        handler.logLevel = level
                        return handler
                    }, metadataProvider: RequestID.metadataProvider)
            }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5),
            ]
            MetricsSystem.bootstrap(factory)
            let logger = Logger(label: "verifyd")
            if configuration.dev, configuration.codeSecret == VerifydConfiguration.devSecret {
                logger.warning("VERIFYD_DEV=1 without VERIFYD_CODE_SECRET: using the development secret; never in production")
            }
            do {
                var services = try VerifydServices(configuration: configuration, logger: logger)
                services.metrics = registry
                return (services, logger)
            } catch {
                FileHandle.standardError.write(Data("configuration error: VERIFYD_TEMPLATES: \(error)\n".utf8))
                throw ExitCode(64)
            }
        }
    }
}
