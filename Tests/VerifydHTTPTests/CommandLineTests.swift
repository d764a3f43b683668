import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// The command line end to end: the built `verifyd` binary's `mirror …` and `doctor` commands, run as child
/// processes the way operators run them. (MirrorWriter itself is tested without the binary in VerificationTests.)
@Suite struct CommandLineTests {
    private func run(_ arguments: [String], redis: RedisServer) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try await run(arguments, url: redis.url)
    }

    private func run(_ arguments: [String], url: String) async throws -> (status: Int32, stdout: String, stderr: String)
    {
        try await VerifydProcess.command(arguments, url: url)
    }

    @Test(arguments: RedisBackend.endToEnd) func importIsIdempotentAndReportsBadLines(_ backend: RedisBackend)
        async throws
    {
        let redis = try await TestRedis.start(backend)
        defer { redis.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        {"aid":"a1","email":"Alice@Example.com","countryCode":86,"purePhone":"13800138000"}
        not json
        {"aid":"a2","email":"not-an-email"}
        {"aid":"a3","countryCode":"44","purePhone":"7911123456"}
        {"aid":"bad aid","email":"x@example.com"}
        """.write(to: file, atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            let result = try await run(["mirror", "import", file.path], url: redis.url)
            #expect(result.status == 0)
            #expect(result.stdout.contains("imported 2 accounts, skipped 3 lines"))
            #expect(
                result.stderr.contains("line 2: not a JSON object") && result.stderr.contains("line 3: invalid email"))
            #expect(result.stderr.contains("line 5:"))
        }
        try await withRedisClient(url: redis.url) { store async throws in
            let keys = KeyLayout()
            #expect(try await store.send("GET", .string(keys.owner(.email("alice@example.com")))).string == "a1")
            #expect(
                try await store.send("GET", .string(keys.owner(.phone(countryCode: 44, number: "7911123456")))).string
                    == "a3")
            #expect(try await store.send("EXISTS", "verify:account:a2").int == 0, "a bad line is never half-written")
        }
        let moved = try await run(["mirror", "put", "a1", "--account-email", "new@example.com"], url: redis.url)
        #expect(moved.status == 0)
        try await withRedisClient(url: redis.url) { store async throws in
            let keys = KeyLayout()
            #expect(try await store.send("GET", .string(keys.owner(.email("new@example.com")))).string == "a1")
            #expect(
                try await store.send("EXISTS", .string(keys.owner(.email("alice@example.com")))).int == 0,
                "the old owner key goes")
            #expect(
                try await store.send("EXISTS", .string(keys.owner(.phone(countryCode: 86, number: "13800138000")))).int
                    == 0, "so does the unbound phone's")
        }
        #expect(try await run(["mirror", "get", "a1"], url: redis.url).stdout.contains(#""email":"new@example.com""#))
        #expect(try await run(["mirror", "token", "add", "a1", "tok-1", "--ttl", "60"], url: redis.url).status == 0)
        #expect(try await run(["mirror", "token", "revoke", "a1", "tok-1"], url: redis.url).stdout.contains("revoked"))
        #expect(try await run(["mirror", "delete", "a3"], url: redis.url).stdout.contains("deleted"))
        let stats = try await run(["mirror", "stats"], url: redis.url).stdout
        #expect(stats.contains("outbox entries: 0") && stats.contains("blocked domains: 0"))
    }

    @Test func keysPrintsAnAddresssKeysAndMigrateRuns() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let keys = KeyLayout()
        let email = try await run(["keys", "email", " Alice@Example.com "], redis: redis)
        #expect(email.status == 0)
        #expect(email.stdout.contains("owner   \(keys.owner(.email("alice@example.com")))\n"))
        #expect(email.stdout.contains("shard   14 {edb}\n"))
        let phone = try await run(["keys", "sms", "13800138000", "--country-code", "86"], redis: redis)
        #expect(phone.stdout.contains("outbox  verify:{7fa}:outbox\n"))
        #expect(try await run(["keys", "sms", "12", "--country-code", "86"], redis: redis).status == 64)

        try await withRedisClient(url: redis.url) { store async throws in
            _ = try await store.send("HSET", "verify:accounts:email", "alice@example.com", "a1")
        }
        let migrated = try await run(["mirror", "migrate"], redis: redis)
        #expect(migrated.status == 0)
        #expect(migrated.stdout.contains("migrated: 1 owner keys"), "\(migrated.stdout)")
        try await withRedisClient(url: redis.url) { store async throws in
            #expect(try await store.send("GET", .string(keys.owner(.email("alice@example.com")))).string == "a1")
        }
    }

    @Test func configPrintsTheEffectiveSettingsWithSecretsRedacted() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let secret = "config-test-secret-0123456789"
        let printed = try await run(
            [
                "config", "--code-secret", secret, "--port=9000",
                "--redis-url", "redis://app:hunter2-password@127.0.0.1:6379/0",
            ], redis: redis)
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("VERIFYD_PORT=9000"))
        #expect(printed.stdout.contains("VERIFYD_CODE_SECRET=<redacted>") && !printed.stdout.contains(secret))
        #expect(printed.stdout.contains("VERIFYD_REDIS_URL=redis://app:***@127.0.0.1:6379/0"))
        #expect(!printed.stdout.contains("hunter2"))
        #expect(printed.stdout.contains("# VERIFYD_CODE_TTL=600 (default)"))
        for name in ["VERIFYD_EMAIL", "VERIFYD_IP_RATE_LIMITS", "VERIFYD_LOG_FORMAT", "VERIFYD_DELIVERY_CLAIM_IDLE"] {
            #expect(printed.stdout.contains(name + "="), "\(name) is listed")
        }
        let unknown = try await run(["config", "--no-such-setting", "1"], redis: redis)
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown option --no-such-setting"))
        let invalid = try await run(["config", "--port", "99999", "--rate-limits", "lots"], redis: redis)
        #expect(invalid.status == 64)
        for name in ["VERIFYD_PORT", "VERIFYD_RATE_LIMITS", "VERIFYD_CODE_SECRET"] {
            #expect(invalid.stderr.contains("configuration error: \(name)"), "\(name) is named")
        }
    }

    @Test func doctorNamesWhatIsWrong() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let healthy = try await run(["doctor", "--dev", "1", "--email", "log"], redis: redis)
        #expect(healthy.status == 0)
        #expect(
            healthy.stdout.contains("warn VERIFYD_DEV is on")
                && healthy.stdout.contains("warn the development log driver"))
        #expect(
            healthy.stdout.contains("ok   Redis ")
                && healthy.stdout.contains("warn AOF is off: a restart loses queued codes"))
        let unreachable = try await run(
            ["doctor", "--dev", "1", "--email", "log", "--redis-url", "redis://127.0.0.1:1"], redis: redis)
        #expect(unreachable.status == 1 && unreachable.stdout.contains("FAIL Redis is unreachable"))
        let invalid = try await run(["doctor", "--port", "70000"], redis: redis)
        #expect(invalid.status == 1 && invalid.stdout.contains("VERIFYD_PORT"))
        let waiting = try await run(
            ["doctor", "--dev", "1", "--email", "log", "--redis-wait-replicas", "1"], redis: redis)
        #expect(waiting.status == 1)
        #expect(waiting.stdout.contains("FAIL 0 replica(s) connected, VERIFYD_REDIS_WAIT_REPLICAS is 1"))
    }

    /// The doctor names every protection that is off, by its setting, and says so when none is.
    @Test func doctorNamesEveryProtectionThatIsOff() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let weak = try await run(
            [
                "doctor", "--dev", "1", "--email", "smtp://127.0.0.1:25", "--email-from", "a@example.com",
                "--smtp-starttls", "opportunistic", "--sms", "log", "--ip-rate-limits", "off",
                "--lookup-rate-limits", "off", "--rate-limits", "1/60", "--check-failure-limits", "off",
                "--outbox-max", "0", "--sms-country-rate-limits", "off",
            ], redis: redis)
        for setting in [
            "VERIFYD_IP_RATE_LIMITS", "VERIFYD_LOOKUP_RATE_LIMITS", "VERIFYD_RATE_LIMITS has no daily cap",
            "VERIFYD_CHECK_FAILURE_LIMITS", "VERIFYD_OUTBOX_MAX", "VERIFYD_SMS_COUNTRY_CODES",
            "VERIFYD_SMS_COUNTRY_RATE_LIMITS", "VERIFYD_SMTP_STARTTLS is opportunistic", "VERIFYD_MIRROR_TOKENS",
            "VERIFYD_SIGNATURE", "no blocked email domains",
        ] {
            #expect(weak.stdout.contains("warn protection off: \(setting)"), "\(setting) is named")
        }
        _ = try await run(["domains", "add", "mailinator.com"], redis: redis)
        let strong = try await run(
            [
                "doctor", "--dev", "1", "--email", "log", "--sms", "log", "--sms-country-codes", "86,852",
                "--mirror-tokens", "sha256", "--signature", "1",
            ], redis: redis)
        #expect(strong.stdout.contains("ok   every protection against abuse is on"), "\(strong.stdout)")
        #expect(!strong.stdout.contains("protection off"))
    }

    /// With a real SMS provider, verifyd refuses to start until the countries it may text are named (`*`: all).
    @Test func anSMSWebhookNeedsItsCountryCodes() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let webhook = ["config", "--dev", "1", "--sms", "http://127.0.0.1:9/sms"]
        let missing = try await run(webhook, redis: redis)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("configuration error: VERIFYD_SMS_COUNTRY_CODES: required with an SMS webhook"))
        #expect(try await run(webhook + ["--sms-country-codes", "*"], redis: redis).status == 0)
        #expect(try await run(webhook + ["--sms-country-codes", "86,1"], redis: redis).status == 0)
        #expect(
            try await run(["config", "--dev", "1", "--sms", "log"], redis: redis).status == 0, "not for the log driver")
    }

    @Test func doctorChecksEveryPrimaryOfACluster() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let report = try await run(
            ["doctor", "--dev", "1", "--email", "log", "--redis-url", cluster.url], redis: cluster.nodes[0])
        #expect(report.status == 0, "\(report.stdout)")
        #expect(report.stdout.contains("ok   cluster_state is ok"))
        #expect(report.stdout.contains("ok   all 16384 slots are served, by 3 primaries"))
        for node in cluster.nodes {
            #expect(report.stdout.contains("warn primary 127.0.0.1:\(node.port): AOF is off"))
            #expect(report.stdout.contains("warn primary 127.0.0.1:\(node.port): no replica"))
        }
        try await withRedisClient(url: cluster.nodes[0].url) { node async throws in
            _ = try await node.send("CLUSTER", "DELSLOTS", 0)
        }
        try await waitUntil(timeout: .seconds(40), "doctor sees the uncovered slot") {
            let broken = try await run(
                ["doctor", "--dev", "1", "--email", "log", "--redis-url", cluster.url], redis: cluster.nodes[0])
            // The node that dropped the slot says so; the others may still map it to that node, and the client
            // may or may not be able to use the cluster: one of these findings, from whichever view the doctor gets.
            return broken.status == 1
                && (broken.stdout.contains("16383 of 16384 slots")
                    || broken.stdout.contains("FAIL some slots have no primary"))
        }
    }
}
