import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// `verifyd domains …` through the built binary against a real redis-server, the way operators run it.
@Suite struct DomainsCommandTests {
    private let blocked = KeyLayout().blockedEmailDomains

    private func run(_ arguments: [String], url: String, input: String = "") async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try await VerifydProcess.command(arguments, url: url, input: input)
    }

    private func members(_ store: RedisClient) async throws -> Set<String> {
        Set((try await store.send("SMEMBERS", .string(blocked)).array ?? []).compactMap(\.string))
    }

    @Test(arguments: RedisBackend.endToEnd) func addListAndRemoveRoundTrip(_ backend: RedisBackend) async throws {
        let redis = try await TestRedis.start(backend)
        defer { redis.stop() }
        let added = try await run(
            ["domains", "add", " Mailinator.COM ", "x.example.", "bad_domain.example", "bücher.example", "localhost"],
            url: redis.url)
        #expect(added.status == 1, "a bad argument makes the exit status non-zero")
        #expect(added.stdout == "added 3 domains (3 new)\n")
        #expect(added.stderr.contains(#"domain 3: "bad_domain.example" has a character other than"#))
        #expect(added.stderr.contains(#"domain 5: "localhost" has no dot"#))
        #expect(added.stderr.contains("2 invalid entries skipped"))

        let again = try await run(["domains", "add", "mailinator.com"], url: redis.url)
        #expect(again.status == 0 && again.stdout == "added 1 domain (0 new)\n")

        let listed = try await run(["domains", "list"], url: redis.url)
        #expect(listed.status == 0)
        #expect(
            listed.stdout == "mailinator.com\nx.example\nxn--bcher-kva.example\n",
            "sorted, one a line, nothing else on stdout; a Unicode domain in its IDNA form, as targets hold it")
        #expect(listed.stderr == "3 domains\n")

        let removed = try await run(["domains", "remove", "MAILINATOR.com", "never-added.example"], url: redis.url)
        #expect(removed.status == 0 && removed.stdout == "removed 1 domain\n")
        try await withRedisClient(url: redis.url) { store async throws in
            #expect(try await members(store) == ["x.example", "xn--bcher-kva.example"])
        }
        let empty = try await run(["domains", "remove", "x.example", "Bücher.example"], url: redis.url)
        #expect(empty.stdout == "removed 2 domains\n")
        let none = try await run(["domains", "list"], url: redis.url)
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr == "0 domains\n")
    }

    @Test func importSkipsCommentsBlanksAndReportsBadLinesByNumber() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("domains-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        # disposable domains, one a line
        mailinator.com

           Guerrillamail.com   # trailing comment
        not a domain
        xn--bcher-kva.example
        bücher.example
        mailinator.com\r
        -leading-hyphen.example
        """.write(to: file, atomically: true, encoding: .utf8)
        let imported = try await run(["domains", "import", file.path], url: redis.url)
        #expect(imported.status == 1, "a bad line makes the exit status non-zero")
        #expect(imported.stdout == "imported 3 domains (3 new)\n", "a repeated domain counts once")
        let reported = imported.stderr.split(separator: "\n").compactMap { $0.split(separator: ":").first }
        #expect(reported == ["line 5", "line 9", "2 invalid entries skipped"], "\(imported.stderr)")
        try await withRedisClient(url: redis.url) { store async throws in
            #expect(try await members(store) == ["mailinator.com", "guerrillamail.com", "xn--bcher-kva.example"])
        }

        let fromStdin = try await run(
            ["domains", "import", "-"], url: redis.url, input: "mailinator.com\nyopmail.com\n\n# end\n")
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout == "imported 2 domains (1 new)\n")
        #expect(fromStdin.stderr.isEmpty)

        let missing = try await run(["domains", "import", "/nonexistent/domains.txt"], url: redis.url)
        #expect(missing.status == 64 && missing.stderr.contains("cannot read /nonexistent/domains.txt"))
        #expect(try await run(["domains", "import"], url: redis.url).status == 64, "FILE or --disposable is required")
        #expect(try await run(["domains", "import", "-", "--disposable"], url: redis.url).status == 64, "not both")
        let unreachable = try await run(["domains", "list"], url: "redis://127.0.0.1:1")
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot reach Redis"))
    }

    @Test func theBundledListLoadsInOneCommandAndItsDomainsAnswer34110() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let loaded = try await run(["domains", "import", "--disposable"], url: redis.url)
        #expect(loaded.status == 0, "every bundled domain is valid: \(loaded.stderr)")
        let count = try #require(
            loaded.stdout.firstMatch(of: #/^imported (\d+) domains \((\d+) new\) from disposable-email-domains /#)
        )
        #expect(count.1 == count.2)
        let total = try #require(Int(count.1))
        #expect((2000...6000).contains(total), "a few thousand domains")
        try await withRedisClient(url: redis.url) { store async throws in
            #expect(try await store.send("SCARD", .string(blocked)).int == Int64(total))
            #expect(try await store.send("SISMEMBER", .string(blocked), "mailinator.com").int == 1)
        }
        let reloaded = try await run(["domains", "import", "--disposable"], url: redis.url)
        #expect(reloaded.stdout.hasPrefix("imported \(total) domains (0 new)"), "loading it again changes nothing")

        let server = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer { server.stop() }
        #expect(try await post(port: server.port, body("email", 5, account: "x@mailinator.com")).code == .emailDomain)
        #expect(
            try await post(port: server.port, body("email", 5, account: "x@eu.mailinator.com")).code == .emailDomain,
            "a subdomain of a blocked domain is blocked")
        #expect(try await post(port: server.port, body("email", 5, account: "x@yopmail.com")).code == .emailDomain)
        #expect(try await post(port: server.port, body("email", 5, account: "someone@example.com")).code == .ok)
    }
}
