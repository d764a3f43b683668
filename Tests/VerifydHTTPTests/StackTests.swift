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

    private static func script(_ action: String, directory: URL, ipRateLimits: String = "off") async throws -> Int32 {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var environment = ProcessInfo.processInfo.environment
        environment["STACK_DIR"] = directory.path
        environment["VERIFYD_BINARY"] = try VerifydProcess.binary().path
        environment["VERIFYD_DELIVERY_CLAIM_IDLE"] = "2s"
        environment["VERIFYD_IP_RATE_LIMITS"] = ipRateLimits  // off by default: all test traffic is from 127.0.0.1
        environment["VERIFYD_LOOKUP_RATE_LIMITS"] = "off"  // likewise
        return try await Spawn.run(
            ["/bin/bash", root.appendingPathComponent("scripts/stack.sh").path, action], environment: environment)
    }

    private func withStack(ipRateLimits: String = "off", _ body: (Stack) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verifyd-stack-\(UUID().uuidString.prefix(8))")
        do {
            #expect(try await Self.script("up", directory: directory, ipRateLimits: ipRateLimits) == 0)
            let text = try String(contentsOf: directory.appendingPathComponent("stack.env"), encoding: .utf8)
            var env: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 {
                    env[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            try await body(Stack(directory: directory, env: env))
        } catch {
            await Self.tearDown(directory)
            throw error
        }
        await Self.tearDown(directory)
    }

    private static func tearDown(_ directory: URL) async {
        _ = try? await script("down", directory: directory)
        try? FileManager.default.removeItem(at: directory)
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
        }
    }

    @Test func thePublicPortRoutesOnlyTheSendEndpointAndHealth() async throws {
        try await withStack { stack in
            let refused: [(HTTPRequest.Method, String)] = [
                (.get, "/metrics"), (.get, "/metrics/"), (.get, "//metrics"), (.get, "/%6Detrics"),
                (.get, "/%6d%65trics"), (.get, "/metrics%2F"), (.get, "/metrics?format=text"),
                (.get, "/api/v2/common/../../metrics"), (.get, "/health/../metrics"), (.get, "/health/%2e%2e/metrics"),
                (.get, "/health/live/..%2F..%2Fmetrics"), (.get, "/internal/"),
                (.get, "/internal/v1/check-verify-code"),
                (.post, "/internal/v1/check-verify-code"), (.post, "/%69nternal/v1/check-verify-code"),
                (.post, "/api/v2/common/send-verify-code/../../../../internal/v1/check-verify-code"),
                (.post, "/api/v2/common/send-verify-code/"), (.get, "/"), (.get, "/nonexistent"),
                (.get, "/openapi.yaml"),
            ]
            for (method, path) in refused {
                let (status, text) = try await Self.request(port: stack.lbPort, method, path)
                #expect(status == .notFound, "\(method) \(path)")
                #expect(
                    text.contains("nginx") && !text.contains(#""code""#),
                    "\(method) \(path) is refused by nginx, never reaching a replica: \(text)")
            }
            for path in ["/health/live", "/health/ready", "/metrics/../health/live", "/health/%6Cive"] {
                let (status, text) = try await Self.request(port: stack.lbPort, .get, path)
                #expect(status == .ok, "GET \(path) reaches a replica: \(text)")
            }
            #expect(try await post(port: stack.lbPort, body("email", 5, 1, account: "edge1@example.com")).code == .ok)
            #expect(
                try await post(
                    port: stack.lbPort, body("email", 5, 1, account: "edge2@example.com"),
                    path: "/api/v2/common/%73end-verify-code"
                ).code == .ok, "an encoded form of the public path is the public path")
        }
    }

    @Test func aClientsForwardedForThroughTheBalancerIsNotBelieved() async throws {
        try await withStack(ipRateLimits: "2/600") { stack in
            var codes: [ResultCode] = []
            for (index, spoofed) in ["198.51.100.1", "198.51.100.2", "198.51.100.3, 198.51.100.4"].enumerated() {
                let json = body("email", 5, 1, account: "spoof\(index)@example.com")
                codes.append(try await postForwarded(port: stack.lbPort, json, forwardedFor: spoofed).code)
            }
            #expect(codes == [.ok, .ok, .sentTooOften], "every spoofed address counts against the one real client")
            try await withRedisClient(url: stack.redisURL) { store async throws in
                #expect(try await BudgetProbe.count(store, KeyLayout().ipSendCount("127.0.0.1")) == 2)
                for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"] {
                    #expect(try await store.send("EXISTS", .string(KeyLayout().ipSendCount(spoofed))).int == 0)
                }
            }
            // The same header sent to an instance's own port, from 127.0.0.1 (nginx's address, so trusted), is
            // believed: what the balancer sends is what counts.
            let direct = try await postForwarded(
                port: stack.instancePorts[0], body("email", 5, 1, account: "direct@example.com"),
                forwardedFor: "198.51.100.9")
            #expect(direct.code == .ok)
            try await withRedisClient(url: stack.redisURL) { store async throws in
                #expect(try await BudgetProbe.count(store, KeyLayout().ipSendCount("198.51.100.9")) == 1)
            }
        }
    }

    /// The status and body of a request with a body-less or `{}` body, the path sent as is.
    private static func request(port: Int, _ method: HTTPRequest.Method, _ path: String) async throws -> (
        HTTPResponse.Status, String
    ) {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let response = try await client.execute(
                .init(
                    path, method: method, authority: "127.0.0.1:\(port)",
                    headers: method == .post
                        ? [.contentType: "application/json", .authorization: "Bearer local-stack-internal-token"] : [:],
                    body: method == .post ? ByteBuffer(string: "{}") : nil))
            return (response.status, response.body.map { String(buffer: $0) } ?? "")
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
