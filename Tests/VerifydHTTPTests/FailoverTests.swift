import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import RedisClient
import TestSupport
import Testing
import Verification

/// verifyd on a cluster follows a failover and a resharding without a restart.
@Suite struct FailoverTests {
    /// SIGKILL the primary of one shard: sends to that shard answer 503 within their deadline while its replica
    /// takes over, never hang, and succeed again afterwards; other shards never stop.
    @Test func aPrimaryDiesAndItsReplicaTakesOver() async throws {
        let environment = ["VERIFYD_REDIS_TIMEOUT_MS": "500", "VERIFYD_INTERNAL_TOKEN": internalToken]
        try await Harness.run(environment, backend: .clusterWithReplicas) { h async throws in
            let cluster = try #require(h.backend.cluster)
            let shard = OutboxShard(index: 14)
            let addresses = Self.addresses(in: shard, count: 800)
            #expect(try await h.send(body("email", 5, account: addresses[0])).code == .ok)
            try await cluster.killPrimary(ofSlot: HashSlot.of("{\(shard.tag)}"))

            var slowest = Duration.zero
            var unavailable = 0
            var recovered: String?
            let deadline = ContinuousClock.now + .seconds(30)
            for address in addresses.dropFirst() where ContinuousClock.now < deadline {
                let started = ContinuousClock.now
                let answer = try await h.send(body("email", 5, account: address))
                slowest = max(slowest, ContinuousClock.now - started)
                if answer.code == .serviceUnavailable {
                    unavailable += 1
                    try await Task.sleep(for: .milliseconds(50))  // the next poll; the deadline bounds the loop
                    continue
                }
                #expect(answer.code == .ok, "only 503 while the replica takes over")
                recovered = address
                break
            }
            let address = try #require(recovered, "sends to the shard succeed again within 30 s")
            #expect(slowest < .seconds(10), "a request during the switch never hangs (its deadline is 500 ms)")
            #expect(unavailable > 0, "the switch was seen")
            let other = Self.addresses(in: OutboxShard(index: 3))[0]
            #expect(try await h.send(body("email", 5, account: other)).code == .ok)

            // The code sent after the switch is stored on the new primary and checks (the other shard's code is
            // newer, so take the one of this address).
            // The test's own client follows the new map too (its first calls may still fail fast).
            try await waitUntil(timeout: .seconds(10), "the test's client reads the new primary") {
                (try? await h.lastCode(of: address)) != nil
            }
            let code = try await h.lastCode(of: address)
            let check = try await h.check(
                #"{"type":"email","account":"\#(address)","templateId":1,"verifyCode":"\#(code)"}"#)
            #expect(check.code == .ok)
        }
    }

    /// Moving the slot of a shard from one primary to another while sends keep coming: MOVED, ASK and TRYAGAIN are
    /// followed, no send fails, and every code stays checkable.
    @Test func aShardMovesToAnotherPrimaryUnderLoad() async throws {
        let environment = [
            "VERIFYD_REDIS_TIMEOUT_MS": "2000", "VERIFYD_INTERNAL_TOKEN": internalToken,
        ]
        try await Harness.run(environment, backend: .cluster) { h async throws in
            let cluster = try #require(h.backend.cluster)
            let shard = OutboxShard(index: 0)
            let slot = HashSlot.of("{\(shard.tag)}")
            let addresses = Self.addresses(in: shard, count: 400)
            for address in addresses.prefix(20) {
                #expect(try await h.send(body("email", 5, account: address)).code == .ok)
            }
            let answers = NIOLockedValueBox<[String]>([])
            let stop = NIOLockedValueBox(false)
            let load = Task {
                for address in addresses.dropFirst(20) where !stop.withLockedValue({ $0 }) {
                    let answer: String
                    do {
                        let sent = try await h.send(body("email", 5, account: address))
                        answer = sent.code == .ok ? "ok" : "\(sent.status.code) \(sent.code)"
                    } catch {
                        answer = "\(error)"
                    }
                    answers.withLockedValue { $0.append(answer) }
                }
            }
            try await Self.migrate(slot: slot, in: cluster)
            try await waitUntil(timeout: .seconds(30), "sends continue after the move") {
                answers.withLockedValue { $0.count } >= 40
            }
            stop.withLockedValue { $0 = true }  // the request in flight finishes; none starts after it
            _ = await load.value
            let codes = answers.withLockedValue { $0 }
            #expect(codes.allSatisfy { $0 == "ok" }, "no send failed: \(codes.filter { $0 != "ok" })")
            #expect(try await OutboxProbe(h.store).length() == 20 + codes.count)
            let last = addresses[20 + codes.count - 1]
            let code = try await h.lastCode(of: last)
            let check = try await h.check(
                #"{"type":"email","account":"\#(last)","templateId":1,"verifyCode":"\#(code)"}"#)
            #expect(check.code == .ok)
        }
    }

    /// Addresses whose target falls in `shard`.
    static func addresses(in shard: OutboxShard, count: Int = 60) -> [String] {
        var found: [String] = []
        var index = 0
        while found.count < count {
            let address = "u\(index)@failover.example"
            if OutboxShard(of: .email(address)) == shard { found.append(address) }
            index += 1
        }
        return found
    }

    /// Moves `slot` to another primary the way `redis-cli --cluster reshard` does: IMPORTING and MIGRATING, MIGRATE
    /// of its keys in batches, then SETSLOT NODE on every primary.
    static func migrate(slot: Int, in cluster: RedisCluster) async throws {
        let source = try await cluster.primary(ofSlot: slot)
        let topology = try await cluster.topology()
        guard
            let destination = cluster.nodes.first(where: { node in
                node.port != source.port && topology.primaries.contains { $0.port == node.port }
            })
        else { throw TestFailure("no other primary") }
        try await withRedisClient(url: source.url) { from async throws in
            try await withRedisClient(url: destination.url) { to async throws in
                let sourceID = try await from.send("CLUSTER", "MYID").string ?? ""
                let destinationID = try await to.send("CLUSTER", "MYID").string ?? ""
                _ = try await to.send("CLUSTER", "SETSLOT", .integer(Int64(slot)), "IMPORTING", .string(sourceID))
                _ = try await from.send(
                    "CLUSTER", "SETSLOT", .integer(Int64(slot)), "MIGRATING", .string(destinationID))
                while true {
                    let keys = try await from.send("CLUSTER", "GETKEYSINSLOT", .integer(Int64(slot)), 10).array ?? []
                    if keys.isEmpty { break }
                    _ = try await from.send(
                        RedisCommand(
                            "MIGRATE",
                            ["127.0.0.1", .integer(Int64(destination.port)), "", 0, 5000, "KEYS"]
                                + keys.compactMap(\.string).map { .string($0) }))
                }
                for node in topology.primaries {
                    try await withRedisClient(url: "redis://127.0.0.1:\(node.port)") { client async throws in
                        _ = try await client.send(
                            "CLUSTER", "SETSLOT", .integer(Int64(slot)), "NODE", .string(destinationID))
                    }
                }
            }
        }
    }
}
