import ArgumentParser
import Logging
import RedisClient
import SettingKit
import Verification
import VerifydApp

/// The Redis set of blocked email domains (`KeyLayout.blockedEmailDomains`), as `verifyd domains` changes it. The set
/// is one key, so every command goes to one node of a cluster; the client routes it.
struct BlockedDomainSet: Sendable {
    let redis: RedisClient
    let key: String

    /// Members per SADD.
    static let membersPerCommand = 500
    /// SADD commands per round trip.
    static let commandsPerRoundTrip = 16

    /// Runs `body` with the set of the configured Redis and key prefix.
    static func with(_ options: SettingArguments, _ body: (BlockedDomainSet) async throws -> Void) async throws {
        try await withConnectedRedis(options, name: "verifyd-domains") { redis, keys in
            try await body(BlockedDomainSet(redis: redis, key: keys.blockedEmailDomains))
        }
    }

    /// Adds `domains` with pipelined SADDs; returns how many were not in the set yet.
    func add(_ domains: [String]) async throws -> Int {
        let commands = stride(from: 0, to: domains.count, by: Self.membersPerCommand).map { start in
            let members = domains[start..<min(start + Self.membersPerCommand, domains.count)]
            return RedisCommand("SADD", [.string(key)] + members.map { .string($0) })
        }
        var added = 0
        for start in stride(from: 0, to: commands.count, by: Self.commandsPerRoundTrip) {
            let batch = Array(commands[start..<min(start + Self.commandsPerRoundTrip, commands.count)])
            for reply in try await redis.pipeline(batch) { added += try Self.count(reply) }
        }
        return added
    }

    /// Removes `members`; returns how many were in the set.
    func remove(_ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try Self.count(try await redis.send(RedisCommand("SREM", [.string(key)] + members.map { .string($0) })))
    }

    /// Every member, sorted.
    func list() async throws -> [String] {
        let reply = try await redis.send(RedisCommand("SMEMBERS", [.string(key)]))
        return (reply.array ?? []).compactMap(\.string).sorted()
    }

    /// The integer of a SADD or SREM reply; an error reply is thrown.
    private static func count(_ reply: RESPValue) throws -> Int {
        if case .error(let message) = reply { throw RedisError.server(message) }
        return Int(reply.int ?? 0)
    }
}
