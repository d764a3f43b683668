import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RedisClient
import TestSupport
import Testing
import Verification

/// The real `verifyd` binary, as separate processes sharing one Redis.
@Suite(.serialized) struct ProcessTests {
    @Test func twoInstancesAcceptExactlyOneOf50ConcurrentSends() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let a = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        let b = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer {
            a.stop()
            b.stop()
        }
        let ports = [a.port, b.port]
        let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await post(port: ports[index % 2], body("email", 5, account: "race@example.com")).code
                }
            }
            return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
        }
        #expect(codes.filter { $0 == .ok }.count == 1)
        #expect(codes.filter { $0 == .sentTooOften }.count == 49)
    }

    @Test func logDriverPrintsEachAcceptedCodeExactlyOnceAcrossInstances() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let a = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        let b = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer {
            a.stop()
            b.stop()
        }
        let targets = (0..<20).map { "user\($0)@example.com" }
        for (index, target) in targets.enumerated() {
            #expect(
                try await post(port: index.isMultiple(of: 2) ? a.port : b.port, body("email", 5, 2, account: target))
                    .code == .ok)
        }
        try await waitUntil(timeout: .seconds(15), "20 codes are printed") {
            a.outputLines().count + b.outputLines().count >= 20
        }
        try await withRedisClient(url: redis.url) { store in
            try await waitUntil(timeout: .seconds(10), "every outbox entry is acknowledged") {
                let pending = try await OutboxProbe(store).pending()
                let length = try await OutboxProbe(store).length()
                return pending == 0 && length == 0
            }
            let lines = a.outputLines() + b.outputLines()
            #expect(lines.count == 20, "each accepted code is printed once, no more")
            let crypto = CodeCrypto(secret: testSecret, length: 6)
            var seen: Set<String> = []
            for line in a.outputLines() + b.outputLines() {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                let to = object["to"] as? String ?? ""
                let code = object["code"] as? String ?? ""
                seen.insert(to)
                let stored =
                    try await store.send("HGET", .string(KeyLayout().code(.email("\(to)"), templateId: 2)), "hash")
                    .string ?? ""
                #expect(crypto.matches(code: code, target: .email(to), templateId: 2, storedHash: stored), "\(to)")
            }
            #expect(seen == Set(targets))
            #expect(!a.outputLines().isEmpty || !b.outputLines().isEmpty)
        }
        let logs = a.errorOutput() + b.errorOutput()
        #expect(logs.contains("code issued") && logs.contains("u***@example.com"), "logs name targets masked")
        for target in targets { #expect(!logs.contains(target), "a full email address reached the logs") }
        for line in a.outputLines() + b.outputLines() {
            let code =
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["code"] as? String ?? "?"
            #expect(!logs.contains(code), "a code reached the logs")
        }
    }

    /// Debug logs list every service at start-up; none of them may print a secret or a derived key.
    @Test func debugLogsCarryNoSecrets() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let secrets = [testSecret, internalToken, "sms-bearer-secret-42", "smtp-password-secret-42"]
        let process = try await VerifydProcess.start(
            environment: testEnvironment(
                redis: redis,
                [
                    "VERIFYD_LOG_LEVEL": "debug", "VERIFYD_INTERNAL_TOKEN": internalToken,
                    "VERIFYD_SMS": "http://127.0.0.1:9/sms", "VERIFYD_SMS_COUNTRY_CODES": "86",
                    "VERIFYD_SMS_TOKEN": "sms-bearer-secret-42",
                    "VERIFYD_EMAIL": "smtp://user:smtp-password-secret-42@127.0.0.1:9",
                    "VERIFYD_EMAIL_FROM": "n@example.com",
                    "VERIFYD_SMTP_STARTTLS": "off",
                ]))
        defer { process.stop() }
        try await waitUntil(timeout: .seconds(10), "the services are listed") {
            process.errorOutput().contains("Starting service")
        }
        let logs = process.errorOutput()
        #expect(logs.contains("DeliveryWorker"))
        for secret in secrets { #expect(!logs.contains(secret), "a secret reached the logs") }
        #expect(!logs.contains("KeyBytes") && !logs.contains("sealKey") && !logs.contains("hashKey"))
    }

    /// The binary is linked with jemalloc (Package.swift): a build that dropped it would allocate with glibc again.
    @Test func theProcessAllocatesWithJemalloc() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let instance = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer { instance.stop() }
        #expect(try instance.mappedLibraries().contains { $0.hasSuffix("/libjemalloc.so.2") })
        #expect(try await post(port: instance.port, body("email", 5, account: "j@example.com")).code == .ok)
    }

    @Test func sigtermStopsCleanly() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let instance = try await VerifydProcess.start(
            environment: testEnvironment(redis: redis, ["VERIFYD_SMS": "log"]))
        #expect(try await post(port: instance.port, body("email", 5, account: "t@example.com")).code == .ok)
        #expect(
            try await post(port: instance.port, body("sms", 5, account: "13812345678", countryCode: 86)).code == .ok)
        #expect(!instance.errorOutput().contains("13812345678") && !instance.errorOutput().contains("t@example.com"))
        #expect(!instance.errorOutput().contains(testSecret))
        let status = try await instance.terminate(timeout: .seconds(10))
        #expect(status == 0)
    }

    @Test func invalidConfigurationNamesEveryProblem() async throws {
        let result = try await VerifydProcess.runToExit(environment: [
            "VERIFYD_PORT": "99999", "VERIFYD_RATE_LIMITS": "lots", "VERIFYD_REDIS_URL": "http://x",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("VERIFYD_PORT"))
        #expect(result.stderr.contains("VERIFYD_RATE_LIMITS"))
        #expect(result.stderr.contains("VERIFYD_REDIS_URL"))
        #expect(result.stderr.contains("VERIFYD_CODE_SECRET"))
    }

    /// A CA file verifyd cannot read stops it at start-up, naming the setting, rather than failing every delivery.
    @Test func anUnreadableSMTPCAFileIsAConfigurationError() async throws {
        let missing = "/nonexistent/verifyd-relay-ca-\(UUID().uuidString).pem"
        let result = try await VerifydProcess.runToExit(
            environment: testEnvironment(
                url: "redis://127.0.0.1:9",
                [
                    "VERIFYD_EMAIL": "smtp://127.0.0.1:9", "VERIFYD_EMAIL_FROM": "n@example.com",
                    "VERIFYD_SMTP_CA_FILE": missing,
                ]))
        #expect(result.status == 64)
        #expect(result.stderr.contains("VERIFYD_SMTP_CA_FILE: cannot read \(missing)"), "\(result.stderr)")
    }
}

/// POSTs to a verifyd process (or the load balancer) on loopback.
func post(port: Int, _ json: String, path: String = "/api/v2/common/send-verify-code") async throws -> Answer {
    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
        // With an authority (Host header): nginx refuses HTTP/1.1 requests without one.
        let response = try await client.execute(
            .init(
                path, method: .post, authority: "127.0.0.1:\(port)", headers: [.contentType: "application/json"],
                body: ByteBuffer(string: json)))
        return try Answer(status: response.status, headers: response.headers, body: response.body ?? ByteBuffer())
    }
}

/// The HTTP status of a GET to a verifyd process.
func getStatus(port: Int, path: String) async throws -> Int {
    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(2))) {
        client in
        try await client.execute(.init(path, method: .get, authority: "127.0.0.1:\(port)")).status.code
    }
}
