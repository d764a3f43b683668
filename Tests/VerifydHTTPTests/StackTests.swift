import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RedisClient
import TestSupport
import Testing
import Verification

/// The load-balanced topology (`make stack`): nginx with docker/nginx.conf, three verifyd, one Redis, an SMTP sink.
@Suite(.serialized) struct StackTests {
    /// A running stack and the ports it printed to `stack.env`.
    struct Stack {
        let directory: URL
        let env: [String: String]
        var lbPort: Int { Int(env["LB_PORT"] ?? "") ?? 0 }
        var instancePorts: [Int] { (env["VERIFYD_PORTS"] ?? "").split(separator: " ").compactMap { Int($0) } }
        var instancePids: [Int32] { (env["VERIFYD_PIDS"] ?? "").split(separator: " ").compactMap { Int32($0) } }
        var redisURL: String { "redis://127.0.0.1:\(env["REDIS_PORT"] ?? "0")" }

        func mails() -> [String] {
            let text =
                (try? String(contentsOf: directory.appendingPathComponent("mail/messages.jsonl"), encoding: .utf8))
                ?? ""
            return text.split(separator: "\n").compactMap {
                ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["rcpt_tos"] as? [String]
            }.compactMap(\.first)
        }
    }

    private static func script(_ action: String, directory: URL) throws -> Int32 {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var environment = ProcessInfo.processInfo.environment
        environment["STACK_DIR"] = directory.path
        environment["VERIFYD_BINARY"] = try VerifydProcess.binary().path
        environment["VERIFYD_DELIVERY_CLAIM_IDLE"] = "2s"
        environment["VERIFYD_IP_RATE_LIMITS"] = "off"  // all test traffic comes from 127.0.0.1
        return try Spawn.run(
            ["/bin/bash", root.appendingPathComponent("scripts/stack.sh").path, action], environment: environment)
    }

    private func withStack(_ body: (Stack) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verifyd-stack-\(UUID().uuidString.prefix(8))")
        defer {
            _ = try? Self.script("down", directory: directory)
            try? FileManager.default.removeItem(at: directory)
        }
        #expect(try Self.script("up", directory: directory) == 0)
        let text = try String(contentsOf: directory.appendingPathComponent("stack.env"), encoding: .utf8)
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { env[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        try await body(Stack(directory: directory, env: env))
    }

    @Test func requestsReachAllInstancesAndLimitsHoldAcrossThem() async throws {
        try await withStack { stack in
            for index in 0..<9 {
                #expect(
                    try await post(port: stack.lbPort, body("email", 5, 1, account: "lb\(index)@example.com")).code
                        == .ok)
            }
            for port in stack.instancePorts {
                let metrics = try await getText(port: port, path: "/metrics")
                #expect(
                    metrics.contains(
                        #"route="/api/v2/common/send-verify-code",method="POST",status="200",code="\#(ResultCode.ok.rawValue)""#
                    ),
                    "instance \(port) answered none of the requests")
            }
            let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await post(port: stack.lbPort, body("email", 5, account: "one@example.com")).code
                    }
                }
                return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 1 && codes.filter { $0 == .sentTooOften }.count == 29)
            #expect(try await getStatus(port: stack.lbPort, path: "/metrics") == 404, "/metrics is not public")
            let internalStatus = try await TestClient.withClient(host: "127.0.0.1", port: stack.lbPort) { client in
                try await client.execute(
                    .init(
                        "/internal/v1/check-verify-code", method: .post, authority: "x", body: ByteBuffer(string: "{}"))
                ).status
            }
            #expect(internalStatus == .notFound, "/internal/ is not public")
        }
    }

    @Test func killingAnInstanceLosesNoAcceptedCode() async throws {
        try await withStack { stack in
            var accepted: [String] = []
            for index in 0..<30 {
                if index == 10 { kill(stack.instancePids[0], SIGKILL) }
                let target = "kill\(index)@example.com"
                let answer = try await post(port: stack.lbPort, body("email", 5, 1, account: target))
                #expect(answer.code == .ok, "request \(index) through the load balancer")
                if answer.code == .ok { accepted.append(target) }
            }
            #expect(accepted.count == 30)
            let acceptedTargets = accepted
            try await withRedisClient(url: stack.redisURL) { store in
                try await waitUntil(timeout: .seconds(30), "every accepted code is delivered or dead-lettered") {
                    let dead = try await OutboxProbe(store).deadLength()
                    return Set(stack.mails()).count + dead >= acceptedTargets.count
                }
                #expect(Set(stack.mails()) == Set(acceptedTargets), "no accepted code is lost")
            }
        }
    }
}

/// The body of a GET to a local server.
func getText(port: Int, path: String) async throws -> String {
    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
        let response = try await client.execute(.init(path, method: .get, authority: "127.0.0.1:\(port)"))
        return response.body.map { String(buffer: $0) } ?? ""
    }
}
