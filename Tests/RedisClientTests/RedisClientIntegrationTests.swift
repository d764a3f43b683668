import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import TestSupport
import Testing

@testable import RedisClient

/// The client against a real `redis-server` on a free port.
@Suite struct RedisClientIntegrationTests {
    @Test func pipelinedRepliesStayInOrderUnderConcurrency() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<200 {
                    group.addTask {
                        let key = "order:\(task)"
                        let replies = try await client.pipeline([
                            RedisCommand("SET", [.string(key), .string("v\(task)")]),
                            RedisCommand("INCRBY", [.string("\(key):n"), .integer(Int64(task))]),
                            RedisCommand("GET", [.string(key)]),
                        ])
                        #expect(
                            replies == [
                                .simpleString("OK"), .integer(Int64(task)), .bulkString(Array("v\(task)".utf8)),
                            ])
                        let single = try await client.send("GET", .string(key))
                        #expect(single.string == "v\(task)")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func binaryValuesWithNULBytesRoundTrip() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { client in
            let value: [UInt8] = [0, 1, 2, 0, 255, 13, 10, 0]
            let key: [UInt8] = [0x6B, 0, 0x6B]
            _ = try await client.send("SET", .bytes(key), .bytes(value))
            #expect(try await client.send("GET", .bytes(key)) == .bulkString(value))
            #expect(try await client.send("STRLEN", .bytes(key)) == .integer(8))
        }
    }

    @Test func errorRepliesSurfaceAsErrors() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { client in
            _ = try await client.send("SET", "text", "abc")
            await #expect(throws: RedisError.server("ERR value is not an integer or out of range")) {
                try await client.send("INCR", "text")
            }
            do {
                _ = try await client.send("NOSUCHCOMMAND")
                Issue.record("an unknown command succeeded")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("ERR unknown command"))
            }
            // In a pipeline the error is a value and the other replies are intact.
            let replies = try await client.pipeline([RedisCommand("INCR", ["text"]), RedisCommand("GET", ["text"])])
            #expect(replies[1] == .bulkString(Array("abc".utf8)))
            if case .error = replies[0] {} else { Issue.record("expected an error reply, got \(replies[0])") }
        }
    }

    @Test func scriptsReloadAfterTheCacheIsFlushed() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { client in
            let script = RedisScript("return tonumber(ARGV[1]) + redis.call('INCR', KEYS[1])")
            #expect(try await client.eval(script, keys: ["n"], arguments: [10]) == .integer(11))
            _ = try await client.send("SCRIPT", "FLUSH")
            #expect(try await client.eval(script, keys: ["n"], arguments: [10]) == .integer(12))
            let exists = try await client.send("SCRIPT", "EXISTS", .string(script.sha1))
            #expect(exists == .array([.integer(1)]))
            // With commands after it, in one pipeline: their replies are those after the script that finally ran.
            _ = try await client.send("SCRIPT", "FLUSH")
            let replies = try await client.eval(
                script, keys: ["n"], arguments: [10], followedBy: [RedisCommand("GET", ["n"])])
            #expect(replies == [.integer(13), .bulkString(Array("3".utf8))])
        }
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let server = try await RedisServer.start(arguments: ["--requirepass", "s3cret"])
        defer { server.stop() }
        try await withRedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)/3") { client in
            _ = try await client.send("SET", "where", "db3")
            _ = try await client.send("ACL", "SETUSER", "app", "on", ">apppw", "~*", "+@all")
        }
        try await withRedisClient(url: "redis://app:apppw@127.0.0.1:\(server.port)/3") { client in
            let value = try await client.send("GET", "where")
            let user = try await client.send("ACL", "WHOAMI")
            #expect(value.string == "db3")
            #expect(user.string == "app")
        }
        try await withRedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)/0") { client in
            let value = try await client.send("GET", "where")
            #expect(value == .null)
        }
    }

    @Test func connectsOverAUnixSocket() async throws {
        let server = try await RedisServer.start(unixSocket: true)
        defer { server.stop() }
        try await withRedisClient(url: "unix://\(server.socketPath)?db=1") { client in
            _ = try await client.send("SET", "via", "unix")
            #expect(try await client.send("GET", "via").string == "unix")
            let info = try await client.send("CLIENT", "INFO").string ?? ""
            #expect(info.contains("db=1"))
        }
    }

    @Test func failsFastWhileDownAndReconnectsAfterRestart() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = .seconds(1)
        configuration.poolSize = 1  // so the connection that comes back is the one that was lost
        try await withRedisClient(configuration) { client in
            _ = try await client.send("SET", "before", "1")
            server.kill()
            try await waitUntil(timeout: .seconds(5), "the client notices the lost connection") { !client.isConnected }
            let clock = ContinuousClock()
            let started = clock.now
            await #expect(throws: RedisError.self) { try await client.send("PING") }
            #expect(clock.now - started < .seconds(2), "a call while Redis is down must not wait")
            try await server.launch()
            try await waitUntil(timeout: .seconds(10), "commands succeed again") {
                (try? await client.send("PING")) == .simpleString("PONG")
            }
            #expect(client.reconnectCount >= 1)
        }
    }

    @Test func deadlineFiresWhenRedisIsFrozenAndTheClientRecovers() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = .milliseconds(200)
        configuration.poolSize = 1
        configuration.maxPendingPerConnection = 4
        try await withRedisClient(configuration) { client in
            server.pause()
            let results = await withTaskGroup(of: RedisError?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        do {
                            _ = try await client.send("PING")
                            return nil
                        } catch { return error as? RedisError }
                    }
                }
                return await group.reduce(into: [RedisError?]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0 != nil }, "no command may succeed while Redis is frozen")
            #expect(results.contains(.timeout))
            #expect(results.contains(.overloaded), "commands beyond the pending limit are refused at once")
            server.resume()
            try await waitUntil(timeout: .seconds(10), "the client reconnects after SIGCONT") {
                (try? await client.send("PING")) == .simpleString("PONG")
            }
        }
    }

    /// A command written to a connection that closed after it was picked (its handlers already gone) fails at once
    /// instead of waiting forever: nothing else would ever answer it, not even its deadline.
    @Test func aCommandOnAClosedConnectionFailsAtOnce() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(
            try RedisConfiguration(url: server.url), on: MultiThreadedEventLoopGroup.singleton)
        #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
        await connection.close()
        let outcome = NIOLockedValueBox<Result<RESPValue, any Error>?>(nil)
        let call = Task {
            let result: Result<RESPValue, any Error>
            do { result = .success(try await connection.send(RedisCommand("PING"), timeout: .seconds(30))) } catch {
                result = .failure(error)
            }
            outcome.withLockedValue { $0 = result }
        }
        defer { call.cancel() }
        try await waitUntil(timeout: .seconds(5), "the command on the closed connection fails") {
            if case .failure = outcome.withLockedValue({ $0 }) { return true }
            return false
        }
        guard case .failure(let error) = outcome.withLockedValue({ $0 }) else { return }
        #expect(error as? RedisError == .connectionClosed)
    }
}
