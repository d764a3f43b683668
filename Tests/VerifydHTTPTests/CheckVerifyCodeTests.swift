import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// `POST /internal/v1/check-verify-code` against a real redis-server.
@Suite struct CheckVerifyCodeTests {
    private let env = ["VERIFYD_INTERNAL_TOKEN": internalToken, "VERIFYD_RATE_LIMITS": "50/60"]

    @Test(arguments: RedisBackend.endToEnd) func aCorrectCodeWorksOnceAndIsNormalizedLikeSending(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, 1, account: "C@Example.com")).code == .ok)
            let code = try await h.lastCode()
            let ok = try await h.check(checkBody(code, account: " c@EXAMPLE.com "))
            #expect(ok.status == .ok && ok.code == .ok && ok.message == "ok")
            #expect(try await h.check(checkBody(code)).code == .codeIncorrect, "a used code is refused")
            #expect(
                try await h.store.send("EXISTS", .string(KeyLayout().code(.email("c@example.com"), templateId: 1))).int
                    == 0)

            #expect(try await h.send(body("sms", 5, 5, account: "13800138000", countryCode: 86)).code == .ok)
            let sms = try await h.lastCode()
            #expect(
                try await h.check(checkBody(sms, account: "13800138000", template: 4, type: "sms", cc: 86)).code
                    == .codeIncorrect,
                "another template's code does not match")
            #expect(
                try await h.check(checkBody(sms, account: "13800138000", template: 5, type: "sms", cc: 86)).code == .ok)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func fiveWrongAttemptsDestroyTheCode(_ backend: RedisBackend) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, account: "c@example.com")).code == .ok)
            let code = try await h.lastCode()
            let wrong = code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                #expect(try await h.check(checkBody(wrong)).code == .codeIncorrect, "attempt \(attempt)")
            }
            #expect(
                try await h.check(checkBody(code)).code == .codeIncorrect,
                "the 6th attempt fails even with the right code")
            #expect(
                try await h.store.send("EXISTS", .string(KeyLayout().code(.email("c@example.com"), templateId: 1))).int
                    == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func twentyConcurrentChecksOfACorrectCodeSucceedOnce(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, account: "c@example.com")).code == .ok)
            let code = try await h.lastCode()
            let results = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for _ in 0..<20 { group.addTask { try await h.check(checkBody(code)).code } }
                return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == .ok }.count == 1)
            #expect(results.filter { $0 == .codeIncorrect }.count == 19)
        }
    }

    @Test func anExpiredCodeIsRefused() async throws {
        try await Harness.run(env.merging(["VERIFYD_CODE_TTL": "1"]) { _, new in new }) { h async throws in
            #expect(try await h.send(body("email", 5, account: "c@example.com")).code == .ok)
            let code = try await h.lastCode()
            try await waitUntil(timeout: .seconds(5), "the code expires") {
                try await h.store.send("EXISTS", .string(KeyLayout().code(.email("c@example.com"), templateId: 1))).int
                    == 0
            }
            #expect(try await h.check(checkBody(code)).code == .codeIncorrect)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func aNewerCodeReplacesTheOlderOne(_ backend: RedisBackend) async throws {
        try await Harness.run(env, backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, account: "c@example.com")).code == .ok)
            let older = try await h.lastCode()
            #expect(try await h.send(body("email", 5, account: "c@example.com")).code == .ok)
            let newer = try await h.lastCode()
            if older != newer { #expect(try await h.check(checkBody(older)).code == .codeIncorrect) }
            #expect(try await h.check(checkBody(newer)).code == .ok)
        }
    }

    @Test func emptyCodesAndBadBodies() async throws {
        try await Harness.run(env) { h async throws in
            #expect(try await h.check(checkBody("")).code == .codeEmpty)
            #expect(try await h.check(#"{"type":"email","account":"c@example.com","templateId":1}"#).code == .codeEmpty)
            #expect(
                try await h.check(#"{"type":"email","account":"c@example.com","templateId":1,"verifyCode":"  "}"#).code
                    == .codeEmpty)
            #expect(try await h.check(checkBody("123456")).code == .codeIncorrect, "no code was ever sent")
            #expect(
                try await h.check(#"{"account":"c@example.com","templateId":1,"verifyCode":"1"}"#).code
                    == .parameterMissing)
            #expect(try await h.check("[]").code == .parameterError)
            #expect(
                try await h.check(checkBody("123456", account: "13800138000", type: "sms")).code == .parameterMissing)
        }
    }

    @Test func theInternalTokenIsRequired() async throws {
        try await Harness.run(env) { h async throws in
            let missing = try await h.check(checkBody("123456"), token: nil)
            #expect(missing.status == .unauthorized && missing.code == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await h.check(checkBody("123456"), token: internalToken + "x")
            #expect(wrong.status == .unauthorized && wrong.code == .unauthorized)
            let right = try await h.check(checkBody("123456"))
            #expect(right.status == .ok && right.code == .codeIncorrect)
        }
    }

    @Test func theRouteIsOffWithoutAToken() async throws {
        try await Harness.run { h async throws in
            let answer = try await h.check(checkBody("123456"))
            #expect(answer.status == .notFound && answer.code == .notFound)
        }
    }
}
