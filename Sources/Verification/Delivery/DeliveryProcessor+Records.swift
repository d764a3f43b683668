import Logging
import RedisClient

/// Recording how deliveries ended: dead letters, dropped entries and delivered ones, in Redis, the metrics and the log.
extension DeliveryProcessor {
    /// Moves an entry that can never be delivered to the dead letters.
    func deadLetter(_ entry: OutboxStream.Entry, _ failure: Undeliverable, on stream: OutboxStream) async {
        await deadLetter(entry, reason: failure.reason, kind: failure.kind, on: stream)
    }

    /// Moves an entry to the dead letters, counting it by `kind` (and as a `dead` delivery of `channel`, when the
    /// provider refused it).
    func deadLetter(
        _ entry: OutboxStream.Entry, reason: String, kind: String, channel: Channel? = nil, on stream: OutboxStream
    ) async {
        do {
            try await record([entry.id]) { _ in try await stream.deadLetter(entry, reason: reason) }
        } catch {
            return keptPending([entry.id], error)
        }
        if let channel { instruments.delivery(channel, .dead) }
        VerificationMetrics.deadLetter(kind)
        logger.warning("dead-lettered", metadata: ["id": "\(entry.id)", "reason": "\(reason)"])
    }

    /// Drops entries whose codes were replaced, used or expired, in one script call.
    func dropSuperseded(_ items: [Prepared], on stream: OutboxStream) async {
        let ids = items.map(\.entry.id)
        do {
            try await record(ids) { _ in try await stream.dropSuperseded(ids) }
        } catch {
            return keptPending(ids, error)
        }
        for item in items {
            instruments.delivery(item.message.channel, .superseded)
            logger.info(
                "code superseded, used or expired: not sent",
                metadata: ["id": "\(item.entry.id)", "channel": "\(item.message.channel.rawValue)"])
        }
    }

    /// Records delivered entries of one channel and driver: their waits measured, then acknowledged, deleted and
    /// counted in one script call, and one log line for them all (`code delivered` for one, `codes delivered` for
    /// more).
    func settleDelivered(_ items: [Prepared], attempt: Int, on stream: OutboxStream) async {
        guard let first = items.first else { return }
        let channel = first.message.channel
        // The wait ends with the provider's acceptance, before the settlement's round trip.
        var longest = 0.0
        for item in items {
            let wait = Self.waitSinceAccepted(item.entry.id)
            longest = max(longest, wait)
            instruments.deliveryWait(channel, seconds: wait)
        }
        let ids = items.map(\.entry.id)
        let acknowledged: Int
        do {
            acknowledged = try await record(ids) { retried in try await stream.complete(ids, retried: retried) }
        } catch {
            return keptPending(ids, error)
        }
        for index in ids.indices { instruments.delivery(channel, index < acknowledged ? .delivered : .duplicate) }
        if items.count == 1 {
            logger.info(
                "code delivered",
                metadata: [
                    "id": .string(first.entry.id), "channel": .string(channel.rawValue),
                    "driver": .string(first.driver.name), "to": .string(Masking.mask(first.message.recipient)),
                    "attempt": .string(String(attempt)), "wait_ms": .string(String(Int(longest * 1000))),
                ])
        } else {
            logger.info(
                "codes delivered",
                metadata: [
                    "ids": .array(ids.map { .string($0) }), "count": .string(String(items.count)),
                    "channel": .string(channel.rawValue), "driver": .string(first.driver.name),
                    "recipients": .array(items.map { .string(Masking.mask($0.message.recipient)) }),
                    "attempt": .string(String(attempt)), "wait_ms_max": .string(String(Int(longest * 1000))),
                ])
        }
    }

    /// An outbox update failed other than by an outage (those are waited out in `record`): the entries stay pending
    /// and are claimed later.
    func keptPending(_ ids: [String], _ error: any Error) {
        logger.warning(
            "outbox update failed; entry stays pending",
            metadata: ["id": "\(ids.joined(separator: ","))", "error": "\(error)"])
    }

    /// Records a delivery's outcome in Redis, waiting out an outage: the entry stays held and touched meanwhile, so
    /// no other worker takes it over and sends it again. Gives up only when the worker is stopping. `write` is told
    /// whether an earlier try may have reached Redis without its answer reaching us.
    func record<T: Sendable>(
        _ ids: [String], _ write: (_ retried: Bool) async throws -> T
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
                        "outbox update waits for Redis",
                        metadata: ["id": "\(ids.joined(separator: ","))", "error": "\(error)"])
                    logged = true
                }
                guard await sleepUnlessStopping(pause) else { throw error }
                pause = min(pause * 2, .seconds(1))
                retried = true
            }
        }
    }
}
