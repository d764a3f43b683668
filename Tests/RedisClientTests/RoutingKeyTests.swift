import Logging
import Testing

@testable import RedisClient

/// Which key routes a command, what a redirect reply says, and which keys one script may touch in a cluster.
@Suite struct RoutingKeyTests {
    @Test func theRoutingKeyOfEachKindOfCommand() {
        func key(_ name: String, _ arguments: [RedisArgument]) -> RedisArgument? {
            RoutingKey.of(RedisCommand(name, arguments))
        }
        #expect(key("GET", ["a"]) == "a")
        #expect(key("set", [.bytes([1, 2]), "v"]) == .bytes([1, 2]))
        #expect(key("EVALSHA", ["sha", 2, "k1", "k2", "arg"]) == "k1")
        #expect(key("EVAL", ["return 1", "1", "k"]) == "k", "numkeys given as text")
        #expect(key("EVAL", ["return 1", 0, "notakey"]) == nil, "a keyless script goes to any primary")
        #expect(key("XREADGROUP", ["GROUP", "g", "c", "COUNT", 10, "streams", "s1", "s2", ">", ">"]) == "s1")
        #expect(key("XREAD", ["BLOCK", 0, "STREAMS", "s", "$"]) == "s")
        #expect(key("XREAD", ["COUNT", 1]) == nil)
        #expect(key("XGROUP", ["CREATE", "stream", "g", "$", "MKSTREAM"]) == "stream")
        #expect(key("XINFO", ["STREAM", "stream"]) == "stream")
        #expect(key("OBJECT", ["ENCODING", "k"]) == "k")
        #expect(key("MEMORY", ["USAGE", "k"]) == "k")
        #expect(key("MEMORY", ["STATS"]) == nil)
        for keyless in ["PING", "TIME", "INFO", "SCRIPT", "CLUSTER", "DBSIZE", "CLIENT", "WAIT", "CONFIG", "COMMAND"] {
            #expect(key(keyless, ["x", "y"]) == nil, "\(keyless)")
        }
        #expect(key("hello", ["3"]) == nil && key("AUTH", ["pw"]) == nil && key("SELECT", [0]) == nil)
        #expect(key("PING", []) == nil)
        #expect(RoutingKey.slot(of: RedisCommand("GET", [.integer(42)])) == HashSlot.of("42"))
        #expect(RoutingKey.slot(of: RedisCommand("GET", ["{user}:a"])) == HashSlot.of("user"))
    }

    @Test func redirectAndRetryReplies() {
        let node = ClusterTopology.Node.init(host:port:)
        #expect(
            ClusterReply(error: "MOVED 3999 127.0.0.1:6381", origin: "x")
                == .moved(slot: 3999, node: node("127.0.0.1", 6381)))
        #expect(
            ClusterReply(error: "ASK 3999 :6381", origin: "10.0.0.9") == .ask(slot: 3999, node: node("10.0.0.9", 6381)))
        #expect(ClusterReply(error: "MOVED 1 ::1:7000", origin: "x") == .moved(slot: 1, node: node("::1", 7000)))
        #expect(ClusterReply(error: "MOVED 1 [::1]:7000", origin: "x") == .moved(slot: 1, node: node("::1", 7000)))
        #expect(ClusterReply(error: "TRYAGAIN Multiple keys request during rehashing of slot", origin: "x") == .retry)
        #expect(ClusterReply(error: "CLUSTERDOWN Hash slot not served", origin: "x") == .retry)
        #expect(ClusterReply(error: "ERR unknown command", origin: "x") == nil)
        #expect(ClusterReply(error: "MOVED 99999 h:1", origin: "x") == nil)
        #expect(ClusterReply(error: "MOVED x h:1", origin: "x") == nil)
    }

    @Test func scriptsMayCombineKeysOfOneSlotOnlyInACluster() throws {
        let logger = Logger(label: "test")
        let cluster = RedisClient(
            configuration: try RedisConfiguration(url: "redis+cluster://127.0.0.1:1"), logger: logger)
        let standalone = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1"), logger: logger)
        let tagged = ["verify:{a@b.c}:code:1", "verify:{a@b.c}:sends", "{a@b.c}"]
        let spread = ["verify:{a@b.c}:sends", "verify:outbox"]
        #expect(cluster.canCombine(tagged))
        #expect(cluster.canCombine([]) && cluster.canCombine(["one"]))
        #expect(!cluster.canCombine(spread))
        #expect(standalone.canCombine(spread))
        #expect(!cluster.isConnected, "no map before run()")
    }
}
