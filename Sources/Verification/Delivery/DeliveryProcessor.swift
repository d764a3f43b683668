import Foundation
import Logging
import RedisClient
import ServiceLifecycle

/// Delivers outbox entries: open the code, render the template, check the code is still current, call the driver,
/// then settle, retry or dead-letter. New entries read together go together (`processFresh`); claimed and retried
/// ones one by one (`process`).
struct DeliveryProcessor: Sendable {
    let drivers: DeliveryDrivers
    let crypto: CodeCrypto
    let templates: TemplateStore
    let retry: RetryPolicy
    let withdrawalWindow: Duration
    let logger: Logger
    let limiters: [Channel: ConcurrencyLimiter]
    let instruments = DeliveryInstruments()

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

    /// An entry ready for its provider: its message, the channel's driver, and the code's target. A class: batches
    /// pass it through several lists, and a copy of the struct retained each of its many strings.
    final class Prepared: Sendable {
        let entry: OutboxStream.Entry
        let message: DeliveryMessage
        let driver: any DeliveryDriver
        let target: Target
        /// The hash the entry carries (`OutboxEntry.codeHash`), when it does.
        let codeHash: String?

        init(
            entry: OutboxStream.Entry, message: DeliveryMessage, driver: any DeliveryDriver, target: Target,
            codeHash: String?
        ) {
            self.entry = entry
            self.message = message
            self.driver = driver
            self.target = target
            self.codeHash = codeHash
        }
    }

    /// How an attempt ended: over (delivered, dropped, dead-lettered, or left pending), or to be retried.
    enum Outcome {
        case done
        case retry(String)
    }

    /// Runs attempts from `firstAttempt` until delivered, dead-lettered, or handed back at shutdown.
    func process(_ entry: OutboxStream.Entry, firstAttempt: Int, on stream: OutboxStream) async {
        let outcome = await attemptOnce(entry, attempt: firstAttempt, on: stream)
        await retryUntilDone(entry, after: firstAttempt, outcome, on: stream)
    }

    /// While `outcome` (of attempt `attempt`) asks for a retry: waits the retry delay, takes the entry again and runs
    /// the next attempt. Returns when an attempt is not retried, or at shutdown (the entry is handed back).
    func retryUntilDone(_ entry: OutboxStream.Entry, after attempt: Int, _ outcome: Outcome, on stream: OutboxStream)
        async
    {
        var attempt = attempt
        var outcome = outcome
        while case .retry(let reason) = outcome {
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
            outcome = await attemptOnce(entry, attempt: attempt, on: stream)
        }
    }

    private func attemptOnce(_ entry: OutboxStream.Entry, attempt: Int, on stream: OutboxStream) async -> Outcome {
        switch prepare(entry) {
        case .failure(let failure):
            await deadLetter(entry, failure, on: stream)
            return .done
        case .success(let item):
            await waitOutWithdrawal(of: entry)
            guard await areCurrent([item], on: stream)[0] else {
                await dropSuperseded([item], on: stream)
                return .done
            }
            return await deliver(item, attempt: attempt, on: stream)
        }
    }

    /// One provider call for one entry, and its outcome recorded.
    func deliver(_ item: Prepared, attempt: Int, on stream: OutboxStream) async -> Outcome {
        do {
            try await limiters[item.message.channel]!.run { try await item.driver.deliver(item.message) }
        } catch {
            return await failed(item, attempt: attempt, error, on: stream)
        }
        await settleDelivered([item], attempt: attempt, on: stream)
        return .done
    }

    /// Calls a batch driver once for entries of its channel, then settles them together; after a failure each
    /// entry goes on alone (retried or dead-lettered). Returns when every entry is done.
    func deliverTogether(_ items: [Prepared], by driver: any BatchDeliveryDriver, on stream: OutboxStream) async {
        guard let channel = items.first?.message.channel else { return }
        do {
            try await limiters[channel]!.run { try await driver.deliver(batch: items.map(\.message)) }
        } catch {
            await withDiscardingTaskGroup { group in
                for item in items {
                    group.addTask {
                        let outcome = await failed(item, attempt: 1, error, on: stream)
                        await retryUntilDone(item.entry, after: 1, outcome, on: stream)
                    }
                }
            }
            return
        }
        await settleDelivered(items, attempt: 1, on: stream)
    }

    /// After a failed provider call: a retry for a transient failure with attempts left, else a dead letter.
    func failed(_ item: Prepared, attempt: Int, _ failure: any Error, on stream: OutboxStream) async -> Outcome {
        let channel = item.message.channel
        let classified = (failure as? DeliveryFailure) ?? .transient("\(failure)")
        if case .transient(let reason) = classified, attempt < retry.maxAttempts {
            instruments.delivery(channel, .retry)
            return .retry(reason)
        }
        let reason = "\(item.driver.name) \(classified) after \(attempt) attempt\(attempt == 1 ? "" : "s")"
        let kind = if case .permanent = classified { "permanent" } else { "exhausted" }
        await deadLetter(item.entry, reason: reason, kind: kind, channel: channel, on: stream)
        return .done
    }

    /// Waits until the entry is older than `withdrawalWindow` (by its id's Redis time and this host's clock, at most
    /// the whole window), so a send withdrawn for want of replicas is found gone rather than delivered.
    func waitOutWithdrawal(of entry: OutboxStream.Entry) async {
        guard withdrawalWindow > .zero, let added = OutboxStream.addedMilliseconds(entry.id) else { return }
        let age = Duration.milliseconds(Int64(Date().timeIntervalSince1970 * 1000) - added)
        let left = min(withdrawalWindow, withdrawalWindow - max(.zero, age))
        if left > .zero { try? await Task.sleep(for: left) }
    }

    /// Per entry, whether its code is still the one its target and template hold: a newer send replaces it, a check
    /// uses it, and its key expires with it. Asked in one round trip. A lost answer from Redis counts as current (the
    /// provider is called).
    func areCurrent(_ items: [Prepared], on stream: OutboxStream) async -> [Bool] {
        let stored: [Result<String?, RedisError>]
        do {
            stored = try await stream.currentCodeHashes(items.map { ($0.target, $0.message.templateId) })
        } catch {
            return items.map { _ in true }
        }
        return zip(items, stored).map { item, hash in
            guard case .success(let hash) = hash else { return true }
            guard let hash else { return false }
            if let carried = item.codeHash { return CodeCrypto.sameHash(carried, hash) }
            return crypto.matches(
                code: item.message.code, target: item.target, templateId: item.message.templateId, storedHash: hash)
        }
    }

    /// Seconds from the send's acceptance (the entry id's time, Redis' clock) to now.
    static func waitSinceAccepted(_ id: String) -> Double {
        guard let acceptedMs = OutboxStream.addedMilliseconds(id) else { return 0 }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        return Double(max(0, nowMs - acceptedMs)) / 1000
    }

    struct Undeliverable: Error {
        let reason: String
        /// A bounded label for metrics: the reason without ids.
        var kind: String {
            if reason.hasPrefix("template") { return "template" }
            if reason.hasPrefix("no ") { return "no_driver" }
            return reason
        }
    }

    /// The message and its driver, or why the entry can never be delivered.
    func prepare(_ entry: OutboxStream.Entry) -> Result<Prepared, Undeliverable> {
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
        return .success(
            Prepared(entry: entry, message: message, driver: driver, target: item.target, codeHash: item.codeHash))
    }

    /// Sleeps `duration` in short steps; false when graceful shutdown began meanwhile.
    func sleepUnlessStopping(_ duration: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end {
            if Task.isShuttingDownGracefully || Task.isCancelled { return false }
            try? await Task.sleep(for: min(.milliseconds(100), end - clock.now))
        }
        return !(Task.isShuttingDownGracefully || Task.isCancelled)
    }
}
