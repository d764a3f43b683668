import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// The budgets against enumeration and guessing, at their exact edges, through the real server over sockets.
@Suite struct AbuseBudgetTests {
    /// Every request that reaches the owner check (useType 1, 2, 3) counts, whatever it answers; past the budget the
    /// answer is 33201 with Retry-After whatever the address, and a send without an owner check is not counted.
    @Test(arguments: RedisBackend.endToEnd)
    func theLookupBudgetCountsEveryOwnerCheckAndRefusesPastIt(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_LOOKUP_RATE_LIMITS": "3/600"], backend: backend) { h async throws in
            try await h.seedAccount(aid: "a1", email: "taken@example.com")
            #expect(try await h.send(body("email", 1, account: "taken@example.com")).code == .emailUsed)
            #expect(try await h.send(body("email", 2, account: "nobody@example.com")).code == .accountNotExist)
            #expect(try await h.send(body("email", 5, account: "direct@example.com")).code == .ok, "not a lookup")
            #expect(try await h.send(body("email", 1, account: "free@example.com")).code == .ok, "the 3rd lookup")
            let lookups = KeyLayout().ipLookupCount("127.0.0.1")
            #expect(try await BudgetProbe.count(h.store, lookups) == 3)

            for (useType, address) in [(2, "taken@example.com"), (1, "other@example.com"), (1, "taken@example.com")] {
                let refused = try await h.send(body("email", useType, account: address))
                #expect(
                    refused.code == .sentTooOften, "useType \(useType) \(address): the same answer for every address")
                #expect(Int(refused.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0 >= 1)
            }
            #expect(try await BudgetProbe.count(h.store, lookups) == 3, "a refused lookup is not counted")
            #expect(try await h.send(body("email", 5, account: "direct2@example.com")).code == .ok)
        }
    }

    /// Wrong checks count across a target's codes: one below the budget everything still works; the check that
    /// reaches it revokes every pending code of the target; then checks answer 33203 and sends 33201 until the window
    /// passes, while other targets are untouched. A check without any code counts too.
    @Test(arguments: RedisBackend.endToEnd)
    func theCheckFailureBudgetRevokesTheTargetsCodesAtItsEdge(_ backend: RedisBackend) async throws {
        let env = [
            "VERIFYD_INTERNAL_TOKEN": internalToken, "VERIFYD_RATE_LIMITS": "50/60",
            "VERIFYD_CHECK_FAILURE_LIMITS": "3/600",
        ]
        try await Harness.run(env, backend: backend) { h async throws in
            let address = "guess@example.com"
            #expect(try await h.send(body("email", 5, 1, account: address)).code == .ok)
            let first = try await h.lastCode()
            #expect(try await h.send(body("email", 5, 2, account: address)).code == .ok)
            let second = try await h.lastCode()
            let wrong = first == "000000" ? "111111" : "000000"
            #expect(try await h.check(checkBody(wrong, account: address, template: 3)).code == .codeIncorrect)
            #expect(try await h.check(checkBody(wrong, account: address, template: 1)).code == .codeIncorrect)
            #expect(
                try await h.check(checkBody(second, account: address, template: 2)).code == .ok,
                "two wrong checks of a budget of three: the right code still works")

            #expect(try await h.send(body("email", 5, 3, account: address)).code == .ok)
            let third = try await h.lastCode()
            #expect(try await h.check(checkBody(wrong, account: address, template: 1)).code == .codeIncorrect)
            let keys = KeyLayout()
            for template in [1, 3] {
                #expect(
                    try await h.store.send("EXISTS", .string(keys.code(.email(address), templateId: template))).int
                        == 0, "template \(template)'s pending code is revoked")
            }
            #expect(try await h.check(checkBody(first, account: address, template: 1)).code == .codeIncorrect)
            #expect(try await h.check(checkBody(third, account: address, template: 3)).code == .codeIncorrect)
            let refused = try await h.send(body("email", 5, 1, account: address))
            #expect(refused.code == .sentTooOften, "a locked target gets no new code")
            #expect(Int(refused.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0 > 500)
            #expect(try await h.send(body("email", 5, 1, account: "other@example.com")).code == .ok)
        }
    }

    /// Every spelling of one mailbox (plus-addresses, Gmail dots, googlemail.com) shares its limits, and a refusal
    /// leaves no trace in the mailbox's log; other mailboxes are not affected.
    @Test(arguments: RedisBackend.endToEnd)
    func plusAddressesAndGmailDotsShareTheirMailboxsLimits(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_RATE_LIMITS": "2/600"], backend: backend) { h async throws in
            #expect(try await h.send(body("email", 5, account: "a.b+one@gmail.com")).code == .ok)
            #expect(try await h.send(body("email", 5, account: "AB+two@googlemail.com")).code == .ok)
            for spelling in ["ab@gmail.com", "a.b.+three@gmail.com", "a.b@googlemail.com"] {
                #expect(try await h.send(body("email", 5, account: spelling)).code == .sentTooOften, "\(spelling)")
            }
            let mailbox = try await h.store.send("LLEN", .string(KeyLayout().sendLog(.email("ab@gmail.com"))))
            #expect(mailbox.int == 2, "two admitted sends, refusals not counted")
            #expect(try await h.send(body("email", 5, account: "c+one@example.com")).code == .ok)
            #expect(try await h.send(body("email", 5, account: "c.d+one@example.com")).code == .ok, "dots matter there")
        }
    }

    /// A check of a target without a code runs the same Redis commands as a wrong check of a pending code.
    @Test func theCheckScriptDoesTheSameWorkWithOrWithoutACode() async throws {
        try await Harness.run(["VERIFYD_INTERNAL_TOKEN": internalToken]) { h async throws in
            #expect(try await h.send(body("email", 5, 1, account: "has@example.com")).code == .ok)
            let code = try await h.lastCode()
            let wrong = code == "000000" ? "111111" : "000000"
            _ = try await h.store.send("CONFIG", "RESETSTAT")
            #expect(
                try await h.check(checkBody(wrong, account: "none@example.com", template: 1)).code == .codeIncorrect)
            let withoutCode = try await commandCalls(h)
            _ = try await h.store.send("CONFIG", "RESETSTAT")
            #expect(try await h.check(checkBody(wrong, account: "has@example.com", template: 1)).code == .codeIncorrect)
            let withCode = try await commandCalls(h)
            #expect(withoutCode.values.reduce(0, +) == withCode.values.reduce(0, +), "\(withoutCode) vs \(withCode)")
            #expect(withoutCode["lpush"] == 1 && withCode["lpush"] == 1, "the wrong check is counted either way")
            #expect(withoutCode["hget"] == 1 && withCode["hget"] == 1)
            #expect(withoutCode["hlen"] == 1 && withCode["hincrby"] == 1, "a read stands in for the attempt count")
        }
    }

    /// Past `VERIFYD_OUTBOX_MAX` (a sixteenth per shard) a send answers 503 (39503) with Retry-After and writes
    /// nothing; a target in another shard is still served.
    @Test(arguments: RedisBackend.endToEnd) func aFullOutboxRefusesWith503(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_OUTBOX_MAX": "16"], backend: backend) { h async throws in
            let addresses = (0..<64).map { "cap\($0)@example.com" }
            let shard = OutboxShard.index(ofKey: addresses[0])
            let sameShard = try #require(addresses.dropFirst().first { OutboxShard.index(ofKey: $0) == shard })
            let otherShard = try #require(addresses.first { OutboxShard.index(ofKey: $0) != shard })
            #expect(try await h.send(body("email", 5, account: addresses[0])).code == .ok)
            let full = try await h.send(body("email", 5, account: sameShard))
            #expect(full.status == .serviceUnavailable && full.code == .serviceUnavailable)
            #expect(full.headers[HTTPField.Name("Retry-After")!] != nil)
            #expect(try await h.store.send("EXISTS", .string(KeyLayout().sendLog(.email(sameShard)))).int == 0)
            #expect(try await h.send(body("email", 5, account: otherShard)).code == .ok)
            #expect(try await h.outboxLength() == 2)
        }
    }

    /// With `VERIFYD_MIRROR_TOKENS=sha256` a login is found under the token's hash, never under the token itself.
    @Test func loginTokensMayBeStoredAsTheirHash() async throws {
        try await Harness.run(["VERIFYD_MIRROR_TOKENS": "sha256"]) { h async throws in
            try await h.seedAccount(aid: "a7", email: "own@example.com")
            let token = "tok-0123456789"
            _ = try await h.store.send("SET", .string("verify:token:a7:\(token)"), "1")
            let login = ["X-Fresns-Aid": "a7", "X-Fresns-Aid-Token": token]
            #expect(
                try await h.send(body("email", 4), headers: login).code == .tokenInvalid,
                "a plaintext token key is not read")
            let digest = TokenNaming.sha256.name(of: token)
            #expect(digest.count == 64 && digest != token)
            _ = try await h.store.send("SET", .string("verify:token:a7:\(digest)"), "1")
            #expect(try await h.send(body("email", 4), headers: login).code == .ok)
        }
    }

    /// The calls since the last `CONFIG RESETSTAT` of each command the check script may run (`INFO commandstats`
    /// counts a script's own commands), so that the server's background reads do not count.
    private func commandCalls(_ h: Harness) async throws -> [String: Int] {
        let scripted: Set = ["time", "hget", "lindex", "lpush", "ltrim", "pexpire", "hincrby", "hlen", "del"]
        let info = try await h.store.send("INFO", "commandstats").string ?? ""
        var calls: [String: Int] = [:]
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            let name = line.dropFirst("cmdstat_".count).prefix { $0 != ":" }
            guard scripted.contains(String(name)), let range = line.range(of: "calls="),
                let count = Int(line[range.upperBound...].prefix { $0.isNumber })
            else { continue }
            calls[String(name)] = count
        }
        return calls
    }
}
