import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// Every numbered check of send-verify-code, over real sockets against a real redis-server.
@Suite struct SendVerifyCodeTests {
    @Test(arguments: RedisBackend.endToEnd) func acceptedSendStoresAHashedCodeAndQueuesItsDelivery(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(backend: backend) { h async throws in
            let answer = try await h.send(body("email", 5, 3, account: " Alice@Example.COM "))
            #expect(answer.status == .ok)
            #expect(answer.code == .ok && answer.message == "ok" && answer.dataIsNull)

            let code =
                try await h.store.send("HGETALL", .string(KeyLayout().code(.email("alice@example.com"), templateId: 3)))
                .array ?? []
            let fields = Dictionary(
                uniqueKeysWithValues: stride(from: 0, to: code.count, by: 2).map {
                    (code[$0].string ?? "", code[$0 + 1].string ?? "")
                })
            #expect(fields["hash"]?.count == 64, "the code is stored as an HMAC-SHA256")
            #expect(fields["attempts"] == "0")
            let ttl =
                try await h.store.send("PTTL", .string(KeyLayout().code(.email("alice@example.com"), templateId: 3)))
                .int ?? 0
            #expect(ttl > 590_000 && ttl <= 600_000)

            let entries = try await OutboxProbe(h.store).entries()
            #expect(entries.count == 1)
            let entry = entries.first?.fields ?? [:]
            let shard = OutboxShard(of: .email("alice@example.com"))
            #expect(
                try await h.store.send("XLEN", .string(KeyLayout().outbox(shard))).int == 1, "in its target's shard")
            #expect(entry["channel"] == "email" && entry["to"] == "alice@example.com" && entry["template"] == "3")
            let sealed = try #require(entry["code"])
            #expect(sealed.count > 20)
            // The sealed code opens to a code whose HMAC is the stored hash: stored iff queued, and the same code.
            let crypto = CodeCrypto(secret: testSecret, length: 6)
            let plain = try crypto.open(sealed, context: "email|alice@example.com|3")
            #expect(
                crypto.matches(
                    code: plain, target: .email("alice@example.com"), templateId: 3, storedHash: fields["hash"] ?? ""))
            #expect(!(sealed.contains(plain)))
        }
    }

    @Test func badBodiesAreParameterErrorOrParameterMissing() async throws {
        try await Harness.run { h async throws in
            #expect(try await h.send("not json").code == .parameterError)
            #expect(try await h.send("[1,2]").code == .parameterError)
            #expect(
                try await h.send(#"{"type":"email","useType":"x","templateId":1,"account":"a@b.co"}"#).code
                    == .parameterError)
            #expect(try await h.send(#"{"type":"email","useType":5,"templateId":1}"#).code == .parameterMissing)
            let missing = try await h.send(#"{"type":"sms","templateId":1,"account":"13800138000"}"#)
            #expect(
                missing.code == .parameterMissing && missing.message == "Parameter missing error"
                    && missing.status == .ok)
            #expect(try await h.outboxLength() == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func loginChecks(_ backend: RedisBackend) async throws {
        try await Harness.run(backend: backend) { h async throws in
            try await h.seedAccount(aid: "wIfu6jaF", email: "owner@example.com", token: "goodtoken")
            try await h.seedAccount(aid: "ghost", token: "ghosttoken")
            _ = try await h.store.send("DEL", "verify:account:ghost")
            let email = body("email", 5, account: "x@example.com")
            #expect(try await h.send(email, headers: ["X-Fresns-Aid": "wIfu6jaF"]).code == .tokenMissing)
            #expect(try await h.send(email, headers: ["aid": "wIfu6jaF"]).code == .tokenMissing)
            #expect(
                try await h.send(email, headers: ["X-Fresns-Aid": "wIfu6jaF", "X-Fresns-Aid-Token": "wrong"]).code
                    == .tokenInvalid)
            #expect(
                try await h.send(email, headers: ["aid": "wIfu6jaF", "token": "bad token:x"]).code == .tokenInvalid)
            #expect(
                try await h.send(email, headers: ["X-Fresns-Aid": "ghost", "X-Fresns-Aid-Token": "ghosttoken"]).code
                    == .accountNotFound)
            #expect(try await h.send(body("email", 3, account: "new@example.com")).code == .notLoggedIn)
            #expect(try await h.send(body("sms", 4)).code == .notLoggedIn)
            // Login errors come before format errors (check 2 before check 5).
            #expect(
                try await h.send(body("email", 5, account: "not-an-email"), headers: ["aid": "wIfu6jaF"]).code
                    == .tokenMissing)
            let ok = try await h.send(
                email, headers: ["aid": "wIfu6jaF", "token": "goodtoken", "uid": "7", "X-Fresns-Uid": "7"])
            #expect(ok.code == .ok)
        }
    }

    @Test func unconfiguredChannelIsNoProvider() async throws {
        try await Harness.run(["VERIFYD_SMS": "none"]) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .noProvider)
            // The channel check comes before the country code and format checks.
            #expect(try await h.send(body("sms", 5, account: "12")).code == .noProvider)
            #expect(try await h.send(body("email", 5, account: "a@example.com")).code == .ok)
        }
    }

    @Test func formatChecks() async throws {
        try await Harness.run { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13800138000")).code == .parameterMissing)
            #expect(try await h.send(body("email", 5, account: "a@b")).code == .emailFormat)
            #expect(try await h.send(body("email", 5, account: "a b@example.com")).code == .emailFormat)
            #expect(
                try await h.send(
                    #"{"type":"email","useType":5,"templateId":1,"account":"a\r\nRCPT TO:<x@y.z>@example.com"}"#
                ).code == .emailFormat)
            #expect(try await h.send(body("sms", 5, account: "138-0013", countryCode: 86)).code == .phoneFormat)
            #expect(try await h.send(body("sms", 5, account: "123", countryCode: 86)).code == .phoneFormat)
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 1000)).code == .countryCode)
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 0)).code == .countryCode)
            #expect(try await h.outboxLength() == 0)
        }
    }

    /// An anonymous send is one round trip whatever it checks (owner, limits; blocked domains come from a cache, so
    /// a blocked one costs none); a logged-in one is two (the login lookups pipelined, then the script).
    @Test func anonymousSendsCostOneRoundTrip() async throws {
        try await Harness.run(redisArguments: Harness.slowLogAll) { h async throws in
            try await h.seedAccount(aid: "a1", email: "taken@example.com", token: "t1")
            _ = try await h.store.send("SADD", "verify:email-domains:blocked", "blocked.example")
            #expect(try await h.send(body("email", 5, account: "warm@example.com")).code == .ok)  // loads the script
            _ = try await h.roundTrips()
            #expect(try await h.send(body("email", 2, account: "taken@example.com")).code == .ok)
            #expect(try await h.send(body("email", 1, account: "taken@example.com")).code == .emailUsed)
            #expect(try await h.send(body("email", 2, account: "nobody@example.com")).code == .accountNotExist)
            #expect(try await h.send(body("email", 5, account: "x@mail.blocked.example")).code == .emailDomain)
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .ok)
            #expect(try await h.send(body("email", 2, account: "taken@example.com")).code == .sentTooOften)
            #expect(try await h.roundTrips(ignoring: ["smembers"]) == ["evalsha": 5])
            let login = ["X-Fresns-Aid": "a1", "X-Fresns-Aid-Token": "t1"]
            #expect(try await h.send(body("email", 5, account: "me@example.com"), headers: login).code == .ok)
            #expect(try await h.roundTrips(ignoring: ["smembers"]) == ["exists": 1, "hgetall": 1, "evalsha": 1])
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func addressesThatMustBeFreeOrTaken(_ backend: RedisBackend) async throws {
        try await Harness.run(backend: backend) { h async throws in
            try await h.seedAccount(aid: "a1", email: "taken@example.com", countryCode: 86, phone: "13800138000")
            try await h.seedAccount(aid: "blank", token: "t-blank")
            #expect(try await h.send(body("email", 1, account: "Taken@Example.com")).code == .emailUsed)
            #expect(try await h.send(body("sms", 1, account: "13800138000", countryCode: 86)).code == .phoneUsed)
            let login = ["X-Fresns-Aid": "blank", "X-Fresns-Aid-Token": "t-blank"]
            #expect(try await h.send(body("email", 3, account: "taken@example.com"), headers: login).code == .emailUsed)
            #expect(
                try await h.send(body("sms", 3, account: "13800138000", countryCode: 86), headers: login).code
                    == .phoneUsed)
            #expect(try await h.send(body("email", 2, account: "nobody@example.com")).code == .accountNotExist)
            #expect(try await h.send(body("sms", 2, account: "13900139000", countryCode: 86)).code == .accountNotExist)
            #expect(try await h.send(body("email", 2, account: "taken@example.com")).code == .ok)
            #expect(try await h.send(body("email", 1, account: "free@example.com")).code == .ok)
            #expect(try await h.send(body("email", 3, account: "other@example.com"), headers: login).code == .ok)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func loginOrRegisterSkipsTheExistenceCheck(_ backend: RedisBackend)
        async throws
    {
        try await Harness.run(["VERIFYD_LOGIN_OR_REGISTER": "true"], backend: backend) { h async throws in
            #expect(try await h.send(body("email", 2, account: "nobody@example.com")).code == .ok)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func fillInBlankNeedsABlankSlot(_ backend: RedisBackend) async throws {
        try await Harness.run(backend: backend) { h async throws in
            try await h.seedAccount(
                aid: "full", email: "full@example.com", countryCode: 86, phone: "13700137000", token: "tok")
            let login = ["X-Fresns-Aid": "full", "X-Fresns-Aid-Token": "tok"]
            #expect(
                try await h.send(body("email", 3, account: "fresh@example.com"), headers: login).code == .emailBound)
            #expect(
                try await h.send(body("sms", 3, account: "13600136000", countryCode: 86), headers: login).code
                    == .phoneBound)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func authenticationSendsToTheAccountsOwnAddress(_ backend: RedisBackend)
        async throws
    {
        try await Harness.run(backend: backend) { h async throws in
            try await h.seedAccount(
                aid: "me", email: "Me@Example.com", countryCode: 44, phone: "7911123456", token: "tok")
            try await h.seedAccount(aid: "bare", token: "tok2")
            let me = ["X-Fresns-Aid": "me", "X-Fresns-Aid-Token": "tok"]
            #expect(
                try await h.send(#"{"type":"email","useType":4,"templateId":8,"account":"ignored"}"#, headers: me).code
                    == .ok)
            #expect(
                try await h.store.send("EXISTS", .string(KeyLayout().code(.email("me@example.com"), templateId: 8))).int
                    == 1)
            #expect(try await h.send(body("sms", 4, 4), headers: me).code == .ok)
            #expect(
                try await h.store.send(
                    "EXISTS", .string(KeyLayout().code(.phone(countryCode: 44, number: "7911123456"), templateId: 4))
                ).int == 1)
            let bare = ["X-Fresns-Aid": "bare", "X-Fresns-Aid-Token": "tok2"]
            #expect(try await h.send(body("email", 4), headers: bare).code == .parameterError)
            #expect(try await h.send(body("sms", 4), headers: bare).code == .parameterError)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func rateLimitedSendsGetSentTooOftenWithRetryAfterAndLocalizedMessage(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(backend: backend) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .ok)
            let refused = try await h.send(
                body("sms", 5, 7, account: "13800138000", countryCode: 86),
                headers: ["X-Fresns-Client-Lang-Tag": "zh-Hans"])
            #expect(refused.code == .sentTooOften)
            #expect(refused.message == "发送验证码太频繁，请稍后再试")
            let retry = Int(refused.headers[.init("Retry-After")!] ?? "") ?? 0
            #expect((1...60).contains(retry))
            // The limit is per target, whatever the template or type: an email is another target.
            #expect(try await h.send(body("email", 5, account: "x@example.com")).code == .ok)
            #expect(try await h.outboxLength() == 2)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func aNewCodeReplacesTheOlderOne(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_RATE_LIMITS": "10/60"], backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, 2, account: "r@example.com")).code == .ok)
            let first = try await h.store.send(
                "HGET", .string(KeyLayout().code(.email("r@example.com"), templateId: 2)), "hash"
            ).string
            #expect(try await h.send(body("email", 5, 2, account: "r@example.com")).code == .ok)
            let second = try await h.store.send(
                "HGET", .string(KeyLayout().code(.email("r@example.com"), templateId: 2)), "hash"
            ).string
            #expect(first != nil && second != nil && first != second)
            #expect(try await h.outboxLength() == 2)
        }
    }

    @Test func transportErrorsAreEnvelopes() async throws {
        try await Harness.run { h async throws in
            let big =
                #"{"type":"email","useType":5,"templateId":1,"account":"a@example.com","pad":""#
                + String(repeating: "x", count: 17_000) + "\"}"
            let tooLarge = try await h.send(big)
            #expect(tooLarge.status == .contentTooLarge && tooLarge.code == .payloadTooLarge)
            let missing = try await h.request("/api/v2/nothing", method: .get)
            #expect(missing.status == .notFound && missing.code == .notFound)
            let live = try await h.request("/health/live", method: .get)
            #expect(live.status == .ok && live.code == .ok)
            let ready = try await h.request("/health/ready", method: .get)
            #expect(ready.status == .ok && ready.code == .ok)
        }
    }

    @Test func redisDownAnswers503FastAndRecoversWithoutRestart() async throws {
        try await Harness.run { h async throws in
            #expect(try await h.send(body("email", 5, account: "before@example.com")).code == .ok)
            h.redis.kill()
            let clock = ContinuousClock()
            for index in 0..<5 {
                let started = clock.now
                let answer = try await h.send(body("email", 5, account: "down\(index)@example.com"))
                #expect(answer.status == .serviceUnavailable && answer.code == .serviceUnavailable)
                #expect(answer.headers[.init("Retry-After")!] == "1")
                #expect(clock.now - started < .seconds(3), "no request may hang while Redis is down")
            }
            let notReady = try await h.request("/health/ready", method: .get)
            #expect(notReady.status == .serviceUnavailable)
            #expect(try await h.request("/health/live", method: .get).status == .ok)
            try await h.redis.launch()
            try await waitUntil(timeout: .seconds(10), "sends succeed again after Redis restarts") {
                try await h.send(body("email", 5, account: "after@example.com")).code == .ok
            }
            #expect(try await h.request("/health/ready", method: .get).status == .ok)
        }
    }
}
