import Benchmark
import NIOCore
import RedisClient

/// RESP encoding, and decoding through hiredis, without a server: the per-command CPU and allocation cost of the
/// Redis client, apart from the network.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000
    )

    // A send script call as SendVerifyCode issues it for an email address: 5 keys, the code hash, limits and
    // the outbox fields (with the sealed code).
    let evalsha = RedisCommand(
        "EVALSHA",
        [
            "6b1bf486c81ceb7edf3c093f4c48a86a6a8f3e0b", 5,
            "verify:{user@example.com}:code:2", "verify:outbox", "verify:email-domains:blocked",
            "verify:accounts:email", "verify:{user@example.com}:sends",
            "0f5bdc5a1c8e4a3e8e6d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7", 600_000, 1, 1, "example.com",
            "user@example.com", "free", 2, 1, 60_000, 5, 3_600_000,
            "channel", "email", "to", "user@example.com", "template", "2", "use", "5", "lang", "en", "ttl", "600",
            "code", "q3Jd0Tq5oY0bS8yWmJgG7lV1c2ZkXo9yB4hQ3w==",
        ])

    Benchmark("RESP encode EVALSHA (send script, 27 arguments)") { benchmark in
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1024)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            RESPCommandEncoder.encode(evalsha, into: &buffer)
        }
        blackHole(buffer.readableBytes)
    }

    // The send script's accepted reply, {0, stream entry id}.
    decodeBenchmark("RESP decode array [0, \"1732700000000-0\"]", "*2\r\n:0\r\n$15\r\n1732700000000-0\r\n")
    // A stored code hash (HGET).
    decodeBenchmark(
        "RESP decode bulk string (64 bytes)",
        "$64\r\n0f5bdc5a1c8e4a3e8e6d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7\r\n")
    // An account of the mirror (HGETALL): 6 fields.
    let account =
        "*12\r\n$3\r\naid\r\n$8\r\nAbc12345\r\n$5\r\nemail\r\n$16\r\nuser@example.com\r\n$11\r\ncountryCode\r\n$2\r\n86\r\n"
        + "$5\r\nphone\r\n$11\r\n13800138000\r\n$7\r\nenabled\r\n$1\r\n1\r\n$9\r\nupdatedAt\r\n$13\r\n1732700000000\r\n"
    decodeBenchmark("RESP decode HGETALL map (6 fields)", account)

    Benchmark("RESP decode HGETALL map (6 fields) + fieldMap") { benchmark in
        let parser = RESPReplyParser()
        let wire = Array(account.utf8)
        for _ in benchmark.scaledIterations {
            try? parser.feed(wire)
            blackHole(try? parser.next()?.fieldMap)
        }
    }
}

/// Feeds one complete reply and takes it out again, on one parser for the whole run (as a connection does).
func decodeBenchmark(_ name: String, _ reply: String) {
    let wire = Array(reply.utf8)
    // The reply must parse to one value, or the benchmark would measure an error path.
    let check = RESPReplyParser()
    guard (try? check.feed(wire)) != nil, let value = try? check.next(), !value.isNull else {
        fatalError("\(name): the reply does not parse")
    }
    Benchmark(name) { benchmark in
        let parser = RESPReplyParser()
        for _ in benchmark.scaledIterations {
            try? parser.feed(wire)
            blackHole(try? parser.next())
        }
    }
}
