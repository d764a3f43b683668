import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// Canonical targets over real sockets: a phone in E.164 by its country's rules, an email with an IDNA domain; sending
/// and checking share the one normalization.
@Suite struct CanonicalTargetEndToEndTests {
    private let env = ["VERIFYD_INTERNAL_TOKEN": internalToken]

    @Test(arguments: RedisBackend.endToEnd) func aUKNumberWithAndWithoutItsTrunkPrefixIsOneTarget(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "07911123456", countryCode: 44)).code == .ok)
            #expect(
                try await h.send(body("sms", 5, account: "7911123456", countryCode: 44)).code == .sentTooOften,
                "the second send within a minute reaches the same target")
            let entry = try #require(try await OutboxProbe(h.store).newest())
            #expect(entry["to"] == "447911123456" && entry["cc"] == "44" && entry["phone"] == "7911123456")
            let code = try await h.lastCode()
            #expect(try await h.check(checkBody(code, account: "7911123456", type: "sms", cc: 44)).code == .ok)
        }
    }

    @Test func countryCodeAndNumberJoinUnambiguously() async throws {
        try await Harness.run(env) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .ok)
            #expect(
                try await h.send(body("sms", 5, account: "613800138000", countryCode: 8)).code == .countryCode,
                "8 is not an assigned code, so it cannot pose as 86")
            #expect(try await h.outboxLength() == 1)
        }
    }

    @Test func unassignedCodesAndImpossibleNumbersAreRefused() async throws {
        try await Harness.run(env) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "12345678", countryCode: 999)).code == .countryCode)
            #expect(try await h.send(body("sms", 5, account: "12345678", countryCode: 0)).code == .countryCode)
            #expect(try await h.send(body("sms", 5, account: "1234", countryCode: 86)).code == .phoneFormat)
            #expect(try await h.send(body("sms", 5, account: "7700900123", countryCode: 44)).code == .phoneFormat)
            #expect(
                try await h.send(body("sms", 5, account: "12345678901234567890", countryCode: 86)).code == .phoneFormat)
            #expect(try await h.send(body("email", 5, account: "a@xn--zz.de")).code == .emailFormat)
            #expect(try await h.send(body("email", 5, account: "a\u{200E}b@example.com")).code == .emailFormat)
            #expect(
                try await h.check(checkBody("123456", account: "12345678", type: "sms", cc: 999)).code == .countryCode)
            #expect(try await h.outboxLength() == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func aUnicodeDomainAndItsPunycodeAreOneTarget(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, account: "ü@bücher.de")).code == .ok)
            #expect(
                try await h.send(body("email", 5, account: "ü@xn--bcher-kva.de")).code == .sentTooOften,
                "one target")
            let code = try await h.lastCode(of: "ü@xn--bcher-kva.de")
            #expect(try await h.check(checkBody(code, account: "U\u{308}@XN--BCHER-KVA.DE")).code == .ok)
        }
    }

    @Test func aCodeSentToOneFormChecksWithTheOther() async throws {
        try await Harness.run(env) { h async throws in
            #expect(try await h.send(body("email", 5, account: "ü@xn--bcher-kva.de")).code == .ok)
            let code = try await h.lastCode(of: "ü@xn--bcher-kva.de")
            #expect(try await h.check(checkBody(code, account: "Ü@BÜCHER.DE")).code == .ok)

            #expect(try await h.send(body("sms", 5, account: "7911123456", countryCode: 44)).code == .ok)
            let sms = try await h.lastCode()
            #expect(try await h.check(checkBody(sms, account: "07911123456", type: "sms", cc: 44)).code == .ok)
        }
    }
}
