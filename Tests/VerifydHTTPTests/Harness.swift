import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore
import Prometheus
import RedisClient
import TestSupport
import Testing
import Verification
import VerifydApp
import VerifydHTTP

/// One Prometheus registry for the whole test process (swift-metrics can be bootstrapped once).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The secret all tests use, so they can recompute code hashes.
let testSecret = "test-secret-0123456789abcdef"
/// The internal token of the check route in tests.
let internalToken = "internal-token-0123456789"

/// One envelope as a client sees it.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    /// The envelope's result code; an answer with a number `ResultCode` does not name fails the test.
    var code: ResultCode
    var message: String
    var dataIsNull: Bool
    var headers: HTTPFields

    init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) throws {
        self.status = status
        self.headers = headers
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let object, let code = object["code"] as? Int, let message = object["message"] as? String else {
            throw TestFailure("not an envelope: \(String(buffer: body))")
        }
        guard let named = ResultCode(rawValue: code) else {
            throw TestFailure("result code \(code) is not a ResultCode: \(String(buffer: body))")
        }
        self.code = named
        self.message = message
        self.dataIsNull = object["data"] is NSNull
    }
}

/// The environment of a test instance: real Redis, log drivers, the test secret.
func testEnvironment(redis: RedisServer, _ overrides: [String: String] = [:]) -> [String: String] {
    testEnvironment(url: redis.url, overrides)
}

/// The environment of an in-process verifyd on the Redis at `url` (standalone or cluster). STARTTLS is off: the SMTP
/// sink (Tests/sinks/smtp_sink.py) is a plaintext relay unless given a certificate, and verifyd requires STARTTLS by
/// default; a test of the default removes `VERIFYD_SMTP_STARTTLS`.
func testEnvironment(url: String, _ overrides: [String: String] = [:]) -> [String: String] {
    [
        "VERIFYD_REDIS_URL": url, "VERIFYD_CODE_SECRET": testSecret, "VERIFYD_EMAIL": "log",
        "VERIFYD_SMS": "log", "VERIFYD_PORT": "0", "VERIFYD_REDIS_TIMEOUT_MS": "2000", "VERIFYD_IP_RATE_LIMITS": "off",
        "VERIFYD_LOOKUP_RATE_LIMITS": "off", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "off", "VERIFYD_SMTP_STARTTLS": "off",
    ].merging(overrides) { _, new in new }
}

/// An in-process verifyd (HTTP over real sockets) on a fresh Redis (a standalone server, or a cluster), with a
/// Redis client for assertions.
struct Harness: Sendable {
    let client: any TestClientProtocol
    let backend: TestRedis
    let store: RedisClient

    /// The standalone server, for tests that stop, pause or inspect it; only with `.standalone`.
    var redis: RedisServer {
        guard let server = backend.server else { preconditionFailure("a standalone-only test ran on a cluster") }
        return server
    }

    /// Runs `body` against a live server configured by `overrides`, on a Redis of `backend`'s kind.
    static func run(
        _ overrides: [String: String] = [:], backend kind: RedisBackend = .standalone, worker: Bool = false,
        redisArguments: [String] = [], _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let backend = try await TestRedis.start(kind, arguments: redisArguments)
        defer { backend.stop() }
        let configuration = try VerifydConfiguration.load(environment: testEnvironment(url: backend.url, overrides))
            .get()
        var logger = Logger(label: "verifyd-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["VERIFYD_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .warning
        var built = try VerifydServices(configuration: configuration, logger: logger)
        built.metrics = TestMetrics.registry
        let services = built
        let app = buildApplication(
            services.dependencies(), settings: configuration.http,
            services: worker ? [services.redis, services.worker()] : [services.redis], logger: logger)
        try await app.test(.live) { client in
            guard await services.redis.waitUntilConnected(timeout: .seconds(10)) else { throw TestFailure("no Redis") }
            try await withRedisClient(url: backend.url) { store in
                try await body(Harness(client: client, backend: backend, store: store))
            }
        }
    }

    /// The commands verifyd's own connections (named `verifyd`) sent since the last call, by name: each is one
    /// round trip unless pipelined. Needs Redis started with `slowLogAll`; commands run inside scripts are
    /// logged for Redis' internal Lua client and not counted.
    func roundTrips(ignoring ignored: Set<String> = []) async throws -> [String: Int] {
        let entries = try await store.send("SLOWLOG", "GET", -1).array ?? []
        _ = try await store.send("SLOWLOG", "RESET")
        var commands: [String: Int] = [:]
        for entry in entries {
            guard let parts = entry.array, parts.count >= 6, parts[5].string == "verifyd",
                let name = parts[3].array?.first?.string?.lowercased(), !ignored.contains(name)
            else { continue }
            commands[name, default: 0] += 1
        }
        return commands
    }

    /// redis-server arguments that log every command to SLOWLOG (for `roundTrips()`).
    static let slowLogAll = ["--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000"]

    /// POSTs a send-verify-code body (raw JSON) with extra headers.
    func send(_ json: String, headers: [String: String] = [:]) async throws -> Answer {
        try await request("/api/v2/common/send-verify-code", method: .post, body: json, headers: headers)
    }

    /// Any request; the answer must be an envelope.
    func request(_ uri: String, method: HTTPRequest.Method, body: String? = nil, headers: [String: String] = [:])
        async throws -> Answer
    {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let answer = try await client.execute(
            uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }
        ) {
            try Answer(status: $0.status, headers: $0.headers, body: $0.body)
        }
        // Every answer carries the message of its code, in the language the client asked for.
        let language = Language(tag: headers["X-Fresns-Client-Lang-Tag"])
        if uri.hasPrefix("/api/") || uri.hasPrefix("/internal/") {
            #expect(answer.message == answer.code.message(language), "code \(answer.code) (\(answer.code.rawValue))")
        }
        return answer
    }

    /// Writes an account into the mirror the way the main application does, with an optional login token.
    func seedAccount(
        aid: String, email: String? = nil, countryCode: Int? = nil, phone: String? = nil, token: String? = nil
    )
        async throws
    {
        var fields: [RedisArgument] = [.string("verify:account:\(aid)"), "email", .string(email ?? "")]
        fields += ["countryCode", .string(countryCode.map(String.init) ?? ""), "purePhone", .string(phone ?? "")]
        _ = try await store.send(RedisCommand("HSET", fields))
        let keys = KeyLayout()
        if let email { _ = try await store.send("SET", .string(keys.owner(.email(email))), .string(aid)) }
        if let countryCode, let phone {
            _ = try await store.send(
                "SET", .string(keys.owner(.phone(countryCode: countryCode, number: phone))), .string(aid))
        }
        if let token { _ = try await store.send("SET", .string("verify:token:\(aid):\(token)"), "1", "EX", 3600) }
    }

    /// The code of the newest outbox entry, opened with the test secret (the worker is off in these tests).
    func lastCode(length: Int = 6) async throws -> String {
        try open(try await OutboxProbe(store).newest() ?? [:], length: length)
    }

    /// The code of the newest outbox entry to `address`.
    func lastCode(of address: String, length: Int = 6) async throws -> String {
        let entry = try await OutboxProbe(store).entries().last { $0.fields["to"] == address }
        return try open(entry?.fields ?? [:], length: length)
    }

    private func open(_ fields: [String: String], length: Int) throws -> String {
        let context = "\(fields["channel"] ?? "")|\(fields["to"] ?? "")|\(fields["template"] ?? "")"
        return try CodeCrypto(secret: testSecret, length: length).open(fields["code"] ?? "", context: context)
    }

    /// POSTs a check-verify-code body with a bearer token (none when nil).
    func check(_ json: String, token: String? = internalToken) async throws -> Answer {
        try await request(
            "/internal/v1/check-verify-code", method: .post, body: json,
            headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    /// The number of entries in the outbox, over every shard.
    func outboxLength() async throws -> Int64 {
        Int64(try await OutboxProbe(store).length())
    }
}

/// A check-verify-code body.
func checkBody(
    _ code: String, account: String = "c@example.com", template: Int = 1, type: String = "email", cc: Int? = nil
) -> String {
    var json = #"{"type":"\#(type)","account":"\#(account)","templateId":\#(template),"verifyCode":"\#(code)""#
    if let cc { json += #","countryCode":\#(cc)"# }
    return json + "}"
}

/// A send-verify-code body.
func body(_ type: String, _ useType: Int, _ templateId: Int = 1, account: String? = nil, countryCode: Int? = nil)
    -> String
{
    var parts = ["\"type\":\"\(type)\"", "\"useType\":\(useType)", "\"templateId\":\(templateId)"]
    if let account { parts.append("\"account\":\"\(account)\"") }
    if let countryCode { parts.append("\"countryCode\":\(countryCode)") }
    return "{" + parts.joined(separator: ",") + "}"
}
