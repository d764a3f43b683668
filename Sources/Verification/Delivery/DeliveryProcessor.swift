import Foundation
import Logging
import RedisClient
import ServiceLifecycle

/// Delivers one outbox entry: open the code, render the template, call the driver, retry or dead-letter.
struct DeliveryProcessor: Sendable {
    let drivers: DeliveryDrivers
    let crypto: CodeCrypto
    let templates: TemplateStore
    let retry: RetryPolicy
    let logger: Logger
    private let limiters: [Channel: ConcurrencyLimiter]

    init(
        drivers: DeliveryDrivers, crypto: CodeCrypto, templates: TemplateStore, retry: RetryPolicy, concurrency: Int,
        logger: Logger
    ) {
        self.drivers = drivers
        self.crypto = crypto
        self.templates = templates
        self.retry = retry
        self.logger = logger
        self.limiters = Dictionary(
            uniqueKeysWithValues: Channel.allCases.map { ($0, ConcurrencyLimiter(limit: concurrency)) })
    }

    /// Runs attempts from `firstAttempt` until delivered, dead-lettered, or handed back at shutdown.
    func process(_ entry: OutboxStream.Entry, firstAttempt: Int, on stream: OutboxStream) async {
        var attempt = firstAttempt
        while true {
            let outcome = await attemptOnce(entry, attempt: attempt, on: stream)
            guard case .retry(let reason) = outcome else { return }
            let delay = retry.delay(afterAttempt: attempt)
            logger.info(
                "delivery will be retried",
                metadata: ["id": "\(entry.id)", "attempt": "\(attempt)", "reason": "\(reason)"])
            guard await sleepUnlessStopping(delay) else {
                logger.info("stopping: entry handed back for another worker", metadata: ["id": "\(entry.id)"])
                return
            }
            do {
                guard try await stream.reclaimForRetry(entry.id) else { return }
            } catch {
                logger.warning(
                    "could not reclaim entry for retry; left pending",
                    metadata: ["id": "\(entry.id)", "error": "\(error)"])
                return
            }
            attempt += 1
        }
    }

    private enum Outcome {
        case done
        case retry(String)
    }

    private func attemptOnce(_ entry: OutboxStream.Entry, attempt: Int, on stream: OutboxStream) async -> Outcome {
        do {
            switch prepare(entry) {
            case .failure(let failure):
                try await stream.deadLetter(entry.id, reason: failure.reason)
                VerificationMetrics.deadLetter(failure.kind)
                logger.warning("dead-lettered", metadata: ["id": "\(entry.id)", "reason": "\(failure.reason)"])
                return .done
            case .success(let (message, driver)):
                let limiter = limiters[message.channel]!
                do {
                    try await limiter.run { try await driver.deliver(message) }
                } catch let failure {
                    let classified = (failure as? DeliveryFailure) ?? .transient("\(failure)")
                    if case .transient(let reason) = classified, attempt < retry.maxAttempts {
                        VerificationMetrics.delivery(message.channel, "retry")
                        return .retry(reason)
                    }
                    let reason = "\(driver.name) \(classified) after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                    try await stream.deadLetter(entry.id, reason: reason)
                    VerificationMetrics.delivery(message.channel, "dead")
                    if case .permanent = classified {
                        VerificationMetrics.deadLetter("permanent")
                    } else {
                        VerificationMetrics.deadLetter("exhausted")
                    }
                    logger.warning("dead-lettered", metadata: ["id": "\(entry.id)", "reason": "\(reason)"])
                    return .done
                }
                let first = try await stream.complete(entry.id)
                VerificationMetrics.delivery(message.channel, first ? "delivered" : "duplicate")
                logger.info(
                    "code delivered",
                    metadata: [
                        "id": "\(entry.id)", "channel": "\(message.channel.rawValue)", "driver": "\(driver.name)",
                        "to": "\(Masking.mask(message.recipient))", "attempt": "\(attempt)",
                    ])
                return .done
            }
        } catch {
            // Redis trouble while acknowledging or dead-lettering: the entry stays pending and is claimed later.
            logger.warning(
                "outbox update failed; entry stays pending", metadata: ["id": "\(entry.id)", "error": "\(error)"])
            return .done
        }
    }

    private struct Undeliverable: Error {
        let reason: String
        /// A bounded label for metrics: the reason without ids.
        var kind: String {
            if reason.hasPrefix("template") { return "template" }
            if reason.hasPrefix("no ") { return "no_driver" }
            return reason
        }
    }

    /// The message and its driver, or why the entry can never be delivered.
    private func prepare(_ entry: OutboxStream.Entry) -> Result<(DeliveryMessage, any DeliveryDriver), Undeliverable> {
        guard let item = OutboxEntry(fields: entry.fields) else { return .failure(Undeliverable(reason: "malformed")) }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        guard item.expiresAt > nowMs else { return .failure(Undeliverable(reason: "expired")) }
        let context = OutboxEntry.sealContext(
            channel: item.channel, recipient: item.recipient, templateId: item.templateId)
        guard let code = try? crypto.open(item.sealedCode, context: context) else {
            return .failure(Undeliverable(reason: "unsealable"))
        }
        guard let driver = drivers.driver(for: item.channel) else {
            return .failure(Undeliverable(reason: "no \(item.channel.rawValue) driver configured"))
        }
        let content: DeliveryMessage.Content
        switch item.channel {
        case .email:
            guard
                let email = templates.email(
                    templateId: item.templateId, langTag: item.langTag, code: code, ttl: item.ttl)
            else {
                return .failure(Undeliverable(reason: "template \(item.templateId) unavailable for email"))
            }
            content = .email(email)
        case .sms:
            guard let sms = templates.sms(templateId: item.templateId, langTag: item.langTag) else {
                return .failure(Undeliverable(reason: "template \(item.templateId) unavailable for sms"))
            }
            content = .sms(sms)
        }
        let message = DeliveryMessage(
            id: entry.id, channel: item.channel, recipient: item.recipient, countryCode: item.countryCode,
            nationalNumber: item.nationalNumber, templateId: item.templateId, langTag: item.langTag, code: code,
            expiresAt: item.expiresAt, content: content)
        return .success((message, driver))
    }

    /// Sleeps `duration` in short steps; false when graceful shutdown began meanwhile.
    private func sleepUnlessStopping(_ duration: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end {
            if Task.isShuttingDownGracefully || Task.isCancelled { return false }
            try? await Task.sleep(for: min(.milliseconds(100), end - clock.now))
        }
        return !(Task.isShuttingDownGracefully || Task.isCancelled)
    }
}
