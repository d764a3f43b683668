import Foundation
import Logging
import NIOConcurrencyHelpers
import RedisClient
import TestSupport
import Testing

@testable import Verification

/// New outbox entries read together are worked on together: their codes checked in one round trip, a batch
/// driver's messages handed over in one call, settled in one script call and logged in one line. Against a real
/// redis-server (and a local cluster where the keys span slots), with codes queued by the send use case.
@Suite struct FreshBatchTests {
    private static let secret = "test-secret-0123456789abcdef"

    /// 47 emails and 10 SMS queued before the worker starts, the code of one of them used meanwhile: each of the 56
    /// others reaches the log driver once, the used one is dropped, and the worker's lines name every delivered
    /// entry once, with a line for several entries where a shard had more than one (47 emails on 16 shards).
    @Test(arguments: RedisBackend.endToEnd)
    func entriesReadTogetherAreDeliveredSettledAndLoggedTogether(_ backend: RedisBackend) async throws {
        let pipe = try ReadPipe()
        pipe.startReading()
        let log = LogDeliveryDriver(output: LineWriter(descriptor: pipe.write))
        let logs = CapturedLogs()
        try await Self.withWorker(backend, drivers: [.email: log, .sms: log], logs: logs) { store, useCase in
            let emails = (0..<47).map { "reader\($0)@example.com" }
            let phones = (0..<10).map { "1380013\(String(format: "%04d", $0))" }
            for email in emails { #expect(try await Self.send(useCase, .email, email) == .accepted) }
            for phone in phones { #expect(try await Self.send(useCase, .sms, phone, countryCode: 86) == .accepted) }
            _ = try await store.send("DEL", .string(KeyLayout().code(.email(emails[0]), templateId: 1)))
            return emails.dropFirst().map { $0 } + phones.map { "86\($0)" }
        } whileDelivering: { store, expected in
            try await Self.waitUntilSettled(store, delivered: 56, superseded: 1)
            #expect(try await OutboxProbe(store).pending() == 0)
            let lines = try await Self.driverLines(pipe, count: 56)
            #expect(Set(lines.compactMap { $0["to"] as? String }) == Set(expected), "each once, the used one not")
            // Ids are unique within a shard's stream only: entries of two shards may share one, so they are compared
            // as lists.
            let written = lines.compactMap { $0["id"] as? String }
            #expect(written.count == 56)

            let delivered = logs.lines.filter { $0.message == "code delivered" || $0.message == "codes delivered" }
            let batches = delivered.filter { $0.message == "codes delivered" }
            #expect(!batches.isEmpty, "a shard with several entries logs them in one line")
            var logged: [String] = []
            for line in delivered {
                if case .array(let ids) = line.metadata["ids"] {
                    logged += ids.map { "\($0)" }
                    #expect(line.metadata["count"] == "\(ids.count)")
                    guard case .array(let recipients) = line.metadata["recipients"] else {
                        Issue.record("no recipients in \(line)")
                        continue
                    }
                    #expect(recipients.count == ids.count)
                    #expect(recipients.allSatisfy { "\($0)".contains("***") }, "masked")
                } else {
                    logged.append("\(line.metadata["id"] ?? "")")
                }
            }
            #expect(logged.sorted() == written.sorted(), "every delivered entry is logged once")
        }
    }

    /// The send script writes the code's hash into the entry, and the worker compares it with the stored one; an
    /// entry written without it (by an older version) is checked by hashing its opened code. Either way a code
    /// replaced meanwhile is dropped and a current one delivered.
    @Test func anEntryCarriesItsCodesHashAndAnEntryWithoutOneIsCheckedByHashing() async throws {
        let pipe = try ReadPipe()
        pipe.startReading()
        let log = LogDeliveryDriver(output: LineWriter(descriptor: pipe.write))
        let emails = (0..<4).map { "carried\($0)@example.com" }
        let other = String(repeating: "0", count: 64)
        let planted = String(repeating: "f", count: 64)
        try await Self.withWorker(.standalone, drivers: [.email: log], logs: CapturedLogs()) { store, useCase in
            for email in emails { #expect(try await Self.send(useCase, .email, email) == .accepted) }
            let keys = KeyLayout()
            for (id, fields) in try await OutboxProbe(store).entries() {
                let to = try #require(fields["to"])
                let code = keys.code(.email(to), templateId: 1)
                let stored = try await store.send("HGET", .string(code), "hash").string
                #expect(fields["hash"] != nil && fields["hash"] == stored, "the entry carries the stored hash")
                // 0 and 1 written again without the hash, as an older version wrote them; 3 with a hash that is not
                // its code's, stored alike: delivered only if the carried hash is what the worker compares.
                let rewrites: [String: String?] = [emails[0]: .none, emails[1]: .none, emails[3]: .some(planted)]
                guard let rewritten = rewrites[to] else { continue }
                let stream = keys.outbox(OutboxShard(of: .email(to)))
                _ = try await store.send("XDEL", .string(stream), .string(id))
                var readded: [RedisArgument] = [.string(stream), "*"]
                for (field, value) in fields where field != "hash" { readded += [.string(field), .string(value)] }
                if let rewritten { readded += ["hash", .string(rewritten)] }
                _ = try await store.send(RedisCommand("XADD", readded))
            }
            for (email, hash) in [(emails[1], other), (emails[2], other), (emails[3], planted)] {
                _ = try await store.send(
                    "HSET", .string(keys.code(.email(email), templateId: 1)), "hash", .string(hash))
            }
            return [emails[0], emails[3]]
        } whileDelivering: { store, expected in
            try await Self.waitUntilSettled(store, delivered: 2, superseded: 2)
            let lines = try await Self.driverLines(pipe, count: 2)
            #expect(Set(lines.compactMap { $0["to"] as? String }) == Set(expected))
        }
    }

    /// A batch driver that fails its first call: every entry of that call is retried on its own and delivered once.
    @Test func aFailedBatchIsRetriedEntryByEntry() async throws {
        let driver = FailingFirstCall()
        try await Self.withWorker(.standalone, drivers: [.email: driver], logs: CapturedLogs()) { _, useCase throws in
            for index in 0..<6 {
                #expect(try await Self.send(useCase, .email, "batch\(index)@example.com") == .accepted)
            }
            return []
        } whileDelivering: { store, _ in
            try await waitUntil(timeout: .seconds(20), "all six are delivered") {
                try await OutboxProbe(store).stat("delivered") == 6
            }
            let calls = driver.calls.withLockedValue { $0 }
            let failed = try #require(calls.first)
            #expect(try await OutboxProbe(store).stat("retries") == failed.count)
            let later = calls.dropFirst().flatMap { $0 }
            #expect(later.sorted() == (0..<6).map { "batch\($0)@example.com" }.sorted(), "each once after the failure")
            #expect(Set(failed).isSubset(of: later))
            #expect(try await OutboxProbe(store).deadLength() == 0)
            #expect(try await OutboxProbe(store).length() == 0)
        }
    }

    /// The settle script acknowledges, deletes and counts several entries in one call, and says how many this call
    /// acknowledged: one acknowledged before counts as a duplicate, unless the call is a retry.
    @Test(arguments: RedisBackend.endToEnd)
    func settlingSeveralCountsOnlyWhatThisCallAcknowledged(_ backend: RedisBackend) async throws {
        try await Self.withStream(backend, of: OutboxShard.all[3]) { redis, stream in
            let keys = stream.keys
            try await stream.ensureGroup()
            func readThree() async throws -> [String] {
                for index in 0..<3 {
                    _ = try await redis.send("XADD", .string(stream.key), "*", "n", .integer(Int64(index)))
                }
                let read = try await OutboxStream.readNew([stream], count: 10, block: .milliseconds(10))
                return read.flatMap { $0.entries.map(\.id) }
            }
            let first = try await readThree()
            #expect(first.count == 3)
            _ = try await redis.send("XACK", .string(stream.key), .string(keys.outboxGroup), .string(first[1]))
            #expect(try await stream.complete(first) == 2)
            #expect(try await OutboxProbe(redis).stat("delivered") == 2)
            #expect(try await OutboxProbe(redis).stat("duplicates") == 1)
            #expect(try await redis.send("XLEN", .string(stream.key)).int == 0)

            let second = try await readThree()
            _ = try await redis.send("XACK", .string(stream.key), .string(keys.outboxGroup), .string(second[0]))
            #expect(try await stream.complete(second, retried: true) == 3)
            #expect(try await OutboxProbe(redis).stat("delivered") == 4)
            #expect(try await OutboxProbe(redis).stat("duplicates") == 1)

            let third = try await readThree()
            try await stream.dropSuperseded(third)
            #expect(try await OutboxProbe(redis).stat("superseded") == 3)
            #expect(try await redis.send("XLEN", .string(stream.key)).int == 0)
            #expect(try await OutboxProbe(redis).pending() == 0)
        }
    }

    /// The current codes of several targets in one round trip (on a cluster, one pipeline per node, at once): a
    /// stored hash, none, and a key of the wrong type (its error in its place, not thrown).
    @Test(arguments: RedisBackend.endToEnd)
    func currentCodesOfSeveralTargetsInOneRoundTrip(_ backend: RedisBackend) async throws {
        try await Self.withStream(backend, of: OutboxShard.all[0]) { redis, stream in
            let keys = stream.keys
            let stored = Target.email("stored@example.com")
            let wrong = Target.email("wrong@example.com")
            _ = try await redis.send("HSET", .string(keys.code(stored, templateId: 2)), "hash", "abc")
            _ = try await redis.send("SET", .string(keys.code(wrong, templateId: 2)), "x")
            let hashes = try await stream.currentCodeHashes([
                (stored, 2), (.email("none@example.com"), 2), (stored, 3), (wrong, 2),
            ])
            #expect(hashes.count == 4)
            #expect(try hashes[0].get() == "abc")
            #expect(try hashes[1].get() == nil)
            #expect(try hashes[2].get() == nil, "another template's code")
            guard case .failure(.server(let message)) = hashes[3] else {
                Issue.record("expected WRONGTYPE, got \(hashes[3])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
        }
    }

    // MARK: - Harness

    /// A fresh Redis of `backend`'s kind and the outbox stream of `shard` on it, read and written through one client.
    private static func withStream(
        _ backend: RedisBackend, of shard: OutboxShard,
        _ body: @Sendable (RedisClient, OutboxStream) async throws -> Void
    ) async throws {
        let server = try await TestRedis.start(backend)
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis in
            try await body(
                redis, OutboxStream(reader: redis, redis: redis, keys: KeyLayout(), shard: shard, consumer: "test"))
        }
    }

    /// On a fresh Redis of `backend`'s kind, queues codes with `queue` (which returns what the test expects delivered),
    /// then runs a worker with `drivers` while `body` waits for the outcome, and stops it.
    private static func withWorker(
        _ backend: RedisBackend, drivers: [Channel: any DeliveryDriver], logs: CapturedLogs,
        queue: @Sendable (RedisClient, SendVerifyCode) async throws -> [String],
        whileDelivering body: @Sendable (RedisClient, [String]) async throws -> Void
    ) async throws {
        let server = try await TestRedis.start(backend)
        defer { server.stop() }
        try await withRedisClient(url: server.url) { store in
            let crypto = CodeCrypto(secret: secret, length: 6)
            let templates = try TemplateStore(path: nil, siteName: "Fresns", defaultLanguage: "en")
            let useCase = SendVerifyCode(
                redis: store, settings: SendSettings(keys: KeyLayout(), enabledChannels: Set(drivers.keys)),
                crypto: crypto, templates: templates, logger: Logger(label: "fresh-batch-send"))
            let expected = try await queue(store, useCase)
            var settings = DeliveryWorker.Settings()
            settings.retry.base = .milliseconds(50)
            let worker = DeliveryWorker(
                redis: store, drivers: DeliveryDrivers(drivers), crypto: crypto, templates: templates,
                settings: settings, logger: Logger(label: "fresh-batch-worker") { _ in logs })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                try await body(store, expected)
            }
        }
    }

    /// Waits until the outbox is empty with `delivered` and `superseded` counted.
    private static func waitUntilSettled(_ store: RedisClient, delivered: Int, superseded: Int) async throws {
        try await waitUntil(timeout: .seconds(20), "every entry is settled") {
            let probe = OutboxProbe(store)
            let counted = (try await probe.stat("delivered"), try await probe.stat("superseded"))
            let queued = try await probe.length()
            return counted == (delivered, superseded) && queued == 0
        }
    }

    /// The log driver's lines read from `pipe`, once `count` are written.
    private static func driverLines(_ pipe: ReadPipe, count: Int) async throws -> [[String: Any]] {
        try await waitUntil(timeout: .seconds(5), "\(count) lines are written") {
            pipe.text.split(separator: "\n").count == count
        }
        return try pipe.text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private static func send(
        _ useCase: SendVerifyCode, _ channel: Channel, _ account: String, countryCode: Int? = nil
    ) async throws -> SendOutcome {
        let request = SendRequest(
            channel: channel, useType: .direct, templateId: 1, account: account, countryCode: countryCode)
        return try await useCase.send(request, session: Session(aid: nil, token: nil), langTag: nil)
    }
}

/// A batch driver whose first call fails (transient) and whose later calls succeed; it keeps the recipients of
/// every call.
private struct FailingFirstCall: BatchDeliveryDriver {
    let name = "failing-first"
    let calls = NIOLockedValueBox<[[String]]>([])

    func deliver(_ message: DeliveryMessage) async throws { try await deliver(batch: [message]) }

    func deliver(batch messages: [DeliveryMessage]) async throws {
        let number = calls.withLockedValue {
            $0.append(messages.map(\.recipient))
            return $0.count
        }
        if number == 1 { throw DeliveryFailure.transient("the first call fails") }
    }
}

/// The worker's log lines, kept in memory at `info` and above.
final class CapturedLogs: LogHandler, @unchecked Sendable {
    struct Line: CustomStringConvertible {
        var message: String
        var metadata: Logger.Metadata
        var description: String { "\(message) \(metadata)" }
    }

    private let kept = NIOLockedValueBox<[Line]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    var lines: [Line] { kept.withLockedValue { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        kept.withLockedValue { $0.append(Line(message: event.message.description, metadata: event.metadata ?? [:])) }
    }
}
