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
    let withdrawalWindow: Duration
    let logger: Logger
    private let limiters: [Channel: ConcurrencyLimiter]
    private let instruments = DeliveryInstruments()

    init(
        drivers: DeliveryDrivers, crypto: CodeCrypto, templates: TemplateStore, retry: RetryPolicy, concurrency: Int,
        withdrawalWindow: Duration = .zero, logger: Logger
    ) {
        self.withdrawalWindow = withdrawalWindow
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
                try await record(entry) { _ in try await stream.deadLetter(entry, reason: failure.reason) }
                VerificationMetrics.deadLetter(failure.kind)
                logger.warning("dead-lettered", metadata: ["id": "\(entry.id)", "reason": "\(failure.reason)"])
                return .done
            case .success(let (message, driver, target)):
                await waitOutWithdrawal(of: entry)
                guard await isCurrent(message, target: target, on: stream) else {
                    try await record(entry) { _ in try await stream.dropSuperseded(entry.id) }
                    instruments.delivery(message.channel, .superseded)
                    logger.info(
                        "code superseded, used or expired: not sent",
                        metadata: ["id": "\(entry.id)", "channel": "\(message.channel.rawValue)"])
                    return .done
                }
                let limiter = limiters[message.channel]!
                do {
                    try await limiter.run { try await driver.deliver(message) }
                } catch let failure {
                    let classified = (failure as? DeliveryFailure) ?? .transient("\(failure)")
                    if case .transient(let reason) = classified, attempt < retry.maxAttempts {
                        instruments.delivery(message.channel, .retry)
                        return .retry(reason)
                    }
                    let reason = "\(driver.name) \(classified) after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                    try await record(entry) { _ in try await stream.deadLetter(entry, reason: reason) }
                    instruments.delivery(message.channel, .dead)
                    if case .permanent = classified {
                        VerificationMetrics.deadLetter("permanent")
                    } else {
                        VerificationMetrics.deadLetter("exhausted")
                    }
                    logger.warning("dead-lettered", metadata: ["id": "\(entry.id)", "reason": "\(reason)"])
                    return .done
                }
                let wait = Self.waitSinceAccepted(entry.id)
                instruments.deliveryWait(message.channel, seconds: wait)
                let first = try await record(entry) { retried in try await stream.complete(entry.id, retried: retried) }
                instruments.delivery(message.channel, first ? .delivered : .duplicate)
                logger.info(
                    "code delivered",
                    metadata: [
                        "id": "\(entry.id)", "channel": "\(message.channel.rawValue)", "driver": "\(driver.name)",
                        "to": "\(Masking.mask(message.recipient))", "attempt": "\(attempt)",
                        "wait_ms": "\(Int(wait * 1000))",
                    ])
                return .done
            }
        } catch {
            // Not a Redis outage (those are waited out in `record`): the entry stays pending and is claimed later.
            logger.warning(
                "outbox update failed; entry stays pending", metadata: ["id": "\(entry.id)", "error": "\(error)"])
            return .done
        }
    }

    /// Waits until the entry is older than `withdrawalWindow` (by its id's Redis time and this host's clock, at most
    /// the whole window), so a send withdrawn for want of replicas is found gone rather than delivered.
    private func waitOutWithdrawal(of entry: OutboxStream.Entry) async {
        guard withdrawalWindow > .zero, let added = OutboxStream.addedMilliseconds(entry.id) else { return }
        let age = Duration.milliseconds(Int64(Date().timeIntervalSince1970 * 1000) - added)
        let left = min(withdrawalWindow, withdrawalWindow - max(.zero, age))
        if left > .zero { try? await Task.sleep(for: left) }
    }

    /// Whether the code is still the one its target and template hold: a newer send replaces it, a check uses
    /// it, and its key expires with it. A lost answer from Redis counts as current (the provider is called).
    private func isCurrent(_ message: DeliveryMessage, target: Target, on stream: OutboxStream) async -> Bool {
        let stored: String?
        do {
            stored = try await stream.currentCodeHash(target, templateId: message.templateId)
        } catch {
            return true
        }
        guard let stored else { return false }
        return crypto.matches(code: message.code, target: target, templateId: message.templateId, storedHash: stored)
    }

    /// Records a delivery's outcome in Redis, waiting out an outage: the entry stays held and touched meanwhile, so
    /// no other worker takes it over and sends it again. Gives up only when the worker is stopping. `write` is told
    /// whether an earlier try may have reached Redis without its answer reaching us.
    private func record<T: Sendable>(
        _ entry: OutboxStream.Entry, _ write: (_ retried: Bool) async throws -> T
    ) async throws -> T {
        var pause = Duration.milliseconds(50)
        var logged = false
        var retried = false
        while true {
            do {
                return try await write(retried)
            } catch let error as RedisError where error.isConnectivity {
                if !logged {
                    logger.warning(
                        "outbox update waits for Redis", metadata: ["id": "\(entry.id)", "error": "\(error)"])
                    logged = true
                }
                guard await sleepUnlessStopping(pause) else { throw error }
                pause = min(pause * 2, .seconds(1))
                retried = true
            }
        }
    }

    /// Seconds from the send's acceptance (the entry id's time, Redis' clock) to now.
    static func waitSinceAccepted(_ id: String) -> Double {
        guard let acceptedMs = OutboxStream.addedMilliseconds(id) else { return 0 }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        return Double(max(0, nowMs - acceptedMs)) / 1000
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
    private func prepare(
        _ entry: OutboxStream.Entry
    ) -> Result<(DeliveryMessage, any DeliveryDriver, Target), Undeliverable> {
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
        return .success((message, driver, item.target))
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
