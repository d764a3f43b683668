import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import RedisClient

/// `RedisClient` with a `redis+cluster://` URL against real clusters: routing, pipelines and scripts across nodes,
/// MOVED and ASK while a slot migrates, CLUSTERDOWN, and a failover.
@Suite(.serialized) struct ClusterClientTests {
    @Test func routesEveryKeyToItsNodeAndPipelinesAcrossNodesInOrder() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let topology = try await cluster.topology()
        let keys = (0..<300).map { "spread:\($0)" }
        #expect(Set(keys.compactMap { topology.primary(forKey: $0) }).count == 3)
        try await withRedisClient(url: cluster.url) { client in
            for key in keys { _ = try await client.send("SET", .string(key), .string("v-\(key)")) }
            for key in keys { #expect(try await client.send("GET", .string(key)).string == "v-\(key)") }
            var commands: [RedisCommand] = []
            var expected: [RESPValue] = []
            for (index, key) in keys.prefix(30).enumerated() {
                commands += [
                    RedisCommand("INCRBY", [.string("\(key):n"), .integer(Int64(index))]),
                    RedisCommand("GET", [.string(key)]),
                ]
                expected += [.integer(Int64(index)), .bulkString(Array("v-\(key)".utf8))]
                if index == 10 {
                    commands.append(RedisCommand("PING"))
                    expected.append(.simpleString("PONG"))
                }
            }
            #expect(try await client.pipeline(commands) == expected)
            #expect(client.redirectCount == 0, "a fresh map needs no redirect")
        }
        for key in keys.prefix(6) {
            let owner = try await cluster.primary(ofKey: key)
            let stored = try await withRedisClient(url: owner.url) { try await $0.send("GET", .string(key)) }
            #expect(stored.string == "v-\(key)", "\(key) is stored on the node that owns its slot")
        }
    }

    @Test func scriptsRunOnTheirKeysNodeAndReloadAfterOneNodeFlushedItsCache() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let topology = try await cluster.topology()
        let keys = topology.primaries.map { node in
            (0..<1000).lazy.map { "script:\($0)" }.first { topology.primary(forKey: $0) == node }!
        }
        let flushed = try await cluster.primary(ofKey: keys[1])
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        try await withRedisClient(url: cluster.url) { client in
            for key in keys {
                #expect(try await client.eval(script, keys: [.string(key)], arguments: [1]) == .integer(1))
            }
            _ = try await withRedisClient(url: flushed.url) { try await $0.send("SCRIPT", "FLUSH") }
            for key in keys {
                #expect(try await client.eval(script, keys: [.string(key)], arguments: [1]) == .integer(2))
            }
            #expect(try await client.eval(RedisScript("return 7"), keys: [], arguments: []) == .integer(7))
        }
        let exists = try await withRedisClient(url: flushed.url) {
            try await $0.send("SCRIPT", "EXISTS", .string(script.sha1))
        }
        #expect(exists == .array([.integer(1)]), "EVAL loaded the script again on the flushed node")
    }

    @Test func followsMovedWhenASlotMigratedUnderItsMap() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let key = "moved:{key}"
        let slot = HashSlot.of(key)
        try await withRedisClient(url: cluster.url) { client in
            _ = try await client.send("SET", .string(key), "before")
            let target = try await cluster.move(slot: slot, keys: [key])
            let before = client.redirectCount
            #expect(try await client.send("GET", .string(key)).string == "before")
            #expect(client.redirectCount == before + 1, "one MOVED followed")
            _ = try await client.send("SET", .string(key), "after")
            #expect(client.redirectCount == before + 1, "the slot was learnt from MOVED at once")
            let stored = try await withRedisClient(url: target.url) { try await $0.send("GET", .string(key)) }
            #expect(stored.string == "after")
        }
    }

    /// While a slot's new owner is set node by node with the old owner first, the two send a command back and forth
    /// with MOVED (the new owner still only IMPORTING it). The client waits between redirects and gets its answer
    /// once the new owner is set, instead of an error after a burst of redirects.
    @Test func aMovedPingPongDuringAReassignmentEndsInTheAnswer() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let key = "pingpong:{key}"
        let slot = HashSlot.of(key)
        var configuration = try RedisConfiguration(url: cluster.url)
        configuration.commandTimeout = .seconds(3)
        try await withRedisClient(configuration) { client in
            _ = try await client.send("SET", .string(key), "value")
            let (source, target) = try await cluster.beginMigration(ofSlot: slot, keys: [key])
            let targetID = try await cluster.id(of: target)
            try await cluster.assign(slot: slot, toNode: targetID, on: source)
            let before = client.redirectCount
            let answer = Task { try await client.send("GET", .string(key)) }
            try await waitUntil(timeout: .seconds(5), "the GET is sent back and forth") {
                client.redirectCount >= before + 3
            }
            try await cluster.assign(slot: slot, toNode: targetID, on: target)
            #expect(try await answer.value.string == "value")
        }
    }

    /// A keyless command after a write in a pipeline (a `WAIT`) runs where the write finally ran, after a MOVED.
    @Test func keylessCommandsFollowARedirectedWrite() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let key = "follow:{key}"
        let slot = HashSlot.of(key)
        try await withRedisClient(url: cluster.url) { client in
            _ = try await client.send("SET", .string(key), "before")
            let target = try await cluster.move(slot: slot, keys: [key])
            let replies = try await client.pipeline([
                RedisCommand("SET", [.string(key), "after"]), RedisCommand("INFO", ["server"]),
            ])
            #expect(replies[0].string == "OK", "the SET answered \(replies[0])")
            #expect(
                replies[1].string?.contains("tcp_port:\(target.port)") == true,
                "INFO ran on the new owner: \(replies[1])")
        }
    }

    @Test func followsAskForAKeyAlreadyMigratedInPipelinesToo() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let key = "ask:{key}"
        let topology = try await cluster.topology()
        try await withRedisClient(url: cluster.url) { client in
            _ = try await client.send("SET", .string(key), "value")
            let (source, _) = try await cluster.beginMigration(ofSlot: HashSlot.of(key), keys: [key])
            let elsewhere = (0..<1000).lazy.map { "other:\($0)" }.first {
                topology.primary(forKey: $0)?.port != source.port
            }!
            _ = try await client.send("SET", .string(elsewhere), "there")
            let before = client.redirectCount
            #expect(try await client.send("GET", .string(key)).string == "value")
            #expect(client.redirectCount == before + 1, "one ASK followed")
            let replies = try await client.pipeline([
                RedisCommand("GET", [.string(elsewhere)]), RedisCommand("GET", [.string(key)]),
                RedisCommand("GET", [.string(elsewhere)]),
            ])
            #expect(replies.map(\.string) == ["there", "value", "there"])
            #expect(client.redirectCount == before + 2, "ASK does not change the map: asked again")
        }
    }

    @Test func tryAgainIsRetriedUntilTheDeadlineOrUntilTheMigrationMovedEveryKey() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let (moved, staying) = ("try:{key}:a", "try:{key}:b")
        try await withRedisClient(url: cluster.url) { client in
            _ = try await client.send("MSET", .string(moved), "1", .string(staying), "2")
            let (source, target) = try await cluster.beginMigration(ofSlot: HashSlot.of(moved), keys: [moved])
            let mget = RedisCommand("MGET", [.string(moved), .string(staying)])
            let clock = ContinuousClock()
            let started = clock.now
            await #expect(throws: RedisError.clusterDown, "TRYAGAIN while the keys are split") {
                try await client.send(mget, timeout: .milliseconds(300))
            }
            #expect(clock.now - started < .milliseconds(1300), "failed within the deadline (300 ms), loosely")
            let retrying = Task { try await client.send(mget, timeout: .seconds(10)) }
            _ = try await withRedisClient(url: source.url) {
                try await $0.send("MIGRATE", "127.0.0.1", .integer(Int64(target.port)), .string(staying), 0, 5000)
            }
            let values = try await retrying.value
            #expect(values == .array([.bulkString(Array("1".utf8)), .bulkString(Array("2".utf8))]))
        }
    }

    @Test func clusterDownFailsWithinTheDeadlineAndRecovers() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let key = "down:{key}"
        let slot = HashSlot.of(key)
        var configuration = try RedisConfiguration(url: cluster.url)
        configuration.commandTimeout = .milliseconds(500)
        try await withRedisClient(configuration) { client in
            _ = try await client.send("SET", .string(key), "kept")
            let owner = try await cluster.primary(ofSlot: slot)
            _ = try await withRedisClient(url: owner.url) {
                try await $0.send("CLUSTER", "DELSLOTS", .integer(Int64(slot)))
            }
            let clock = ContinuousClock()
            let started = clock.now
            do {
                _ = try await client.send("GET", .string(key))
                Issue.record("a slot no node serves answered")
            } catch let error as RedisError {
                #expect(error == .clusterDown)
                #expect(error.isConnectivity, "callers answer 503")
            }
            #expect(clock.now - started < .milliseconds(1500), "failed within the deadline (500 ms), loosely")
            _ = try await withRedisClient(url: owner.url) {
                try await $0.send("CLUSTER", "ADDSLOTS", .integer(Int64(slot)))
            }
            try await waitUntil(timeout: .seconds(15), "the slot is served again") {
                (try? await client.send("GET", .string(key)).string) == "kept"
            }
        }
    }

    @Test func aReplicaTakesOverAfterItsPrimaryIsKilledAndTheSameClientFollows() async throws {
        let cluster = try await RedisCluster.start(primaries: 3, replicasPerPrimary: 1)
        defer { cluster.stop() }
        let key = "failover:{key}"
        let slot = HashSlot.of(key)
        var configuration = try RedisConfiguration(url: cluster.url)
        configuration.commandTimeout = .milliseconds(500)
        try await withRedisClient(configuration) { client in
            let written = try await client.pipeline(
                [RedisCommand("SET", [.string(key), "safe"]), RedisCommand("WAIT", [1, 1000])], timeout: .seconds(3))
            #expect(written[0] == .simpleString("OK"))
            #expect((written[1].int ?? 0) >= 1, "a replica acknowledged the write")
            let refreshesBefore = client.topologyRefreshCount
            let killed = try await cluster.killPrimary(ofSlot: slot)
            let calls = NIOLockedValueBox((slowest: Duration.zero, failed: 0, notConnectivity: [String]()))
            let clock = ContinuousClock()
            try await waitUntil(timeout: .seconds(30), "the client serves the slot from the promoted replica") {
                let started = clock.now
                do {
                    let value = try await client.send("GET", .string(key))
                    calls.withLockedValue { $0.slowest = max($0.slowest, clock.now - started) }
                    return value.string == "safe"
                } catch {
                    calls.withLockedValue {
                        $0.slowest = max($0.slowest, clock.now - started)
                        $0.failed += 1
                        if (error as? RedisError)?.isConnectivity != true { $0.notConnectivity.append("\(error)") }
                    }
                    return false
                }
            }
            let seen = calls.withLockedValue { $0 }
            #expect(seen.failed > 0, "calls during the switch failed")
            #expect(seen.notConnectivity.isEmpty, "failures during a failover are connectivity errors")
            #expect(seen.slowest < .milliseconds(1500), "no call hung past its deadline (500 ms), loosely")
            // The node asked may learn of the promotion by gossip after the client found the new primary.
            try await waitUntil(timeout: .seconds(10), "the cluster names another primary for the slot") {
                try await cluster.primary(ofSlot: slot) !== killed
            }
            #expect(client.topologyRefreshCount > refreshesBefore, "the new primary came from a refreshed map")
            try await waitUntil(timeout: .seconds(10), "every primary of the new map is connected") {
                client.isConnected
            }
            _ = try await client.send("SET", .string(key), "after")
            #expect(try await client.send("GET", .string(key)).string == "after")
        }
    }
}

extension RedisCluster {
    /// The node ID of `node` (`CLUSTER MYID`).
    fileprivate func id(of node: RedisServer) async throws -> String {
        try await withRedisClient(url: node.url) { try await $0.send("CLUSTER", "MYID").string ?? "" }
    }

    /// Marks `slot` IMPORTING on another node and MIGRATING on its owner, and moves `keys` there with `MIGRATE`:
    /// the owner now answers ASK for them. Returns (owner, importing node).
    fileprivate func beginMigration(ofSlot slot: Int, keys: [String]) async throws -> (RedisServer, RedisServer) {
        let source = try await primary(ofSlot: slot)
        guard let target = nodes.first(where: { $0 !== source }) else { throw TestFailure("one node only") }
        let (sourceID, targetID) = (try await id(of: source), try await id(of: target))
        let slotArgument = RedisArgument.integer(Int64(slot))
        _ = try await withRedisClient(url: target.url) {
            try await $0.send("CLUSTER", "SETSLOT", slotArgument, "IMPORTING", .string(sourceID))
        }
        _ = try await withRedisClient(url: source.url) { client in
            _ = try await client.send("CLUSTER", "SETSLOT", slotArgument, "MIGRATING", .string(targetID))
            for key in keys {
                _ = try await client.send(
                    "MIGRATE", "127.0.0.1", .integer(Int64(target.port)), .string(key), 0, 5000)
            }
        }
        return (source, target)
    }

    /// Migrates `keys` of `slot` to another primary and assigns the slot to it on every node, behind the back of any
    /// client that holds the old map; returns the new owner.
    func move(slot: Int, keys: [String]) async throws -> RedisServer {
        let (source, target) = try await beginMigration(ofSlot: slot, keys: keys)
        let targetID = try await id(of: target)
        for node in [target, source] + nodes.filter({ $0 !== source && $0 !== target }) {
            try await assign(slot: slot, toNode: targetID, on: node)
        }
        return target
    }

    /// Tells `node` that `slot` belongs to the node with ID `owner` (`CLUSTER SETSLOT … NODE`).
    fileprivate func assign(slot: Int, toNode owner: String, on node: RedisServer) async throws {
        _ = try await withRedisClient(url: node.url) {
            try await $0.send("CLUSTER", "SETSLOT", .integer(Int64(slot)), "NODE", .string(owner))
        }
    }
}
