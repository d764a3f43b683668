import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
import Testing
import Verification
import VerifydApp
import VerifydHTTP

/// openapi.yaml stays honest: it lists every route, and its examples are answered as it says.
@Suite struct OpenAPITests {
    private static var file: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Sources/VerifydHTTP/openapi.yaml")
    }

    /// The document (JSON syntax, valid YAML).
    private static func document() throws -> [String: Any] {
        let text = try String(contentsOf: file, encoding: .utf8)
        let json = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    }

    @Test func everyRegisteredRouteIsDocumented() async throws {
        let paths = try Self.document()["paths"] as? [String: [String: Any]] ?? [:]
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        var env = testEnvironment(redis: redis, ["VERIFYD_INTERNAL_TOKEN": internalToken])
        env["VERIFYD_PORT"] = "0"
        let configuration = try VerifydConfiguration.load(environment: env).get()
        var services = try VerifydServices(configuration: configuration, logger: Logger(label: "openapi-test"))
        services.metrics = TestMetrics.registry
        let routes = servedRoutes(services.dependencies(), settings: configuration.http)
        #expect(routes.count >= 6)
        for route in routes {
            let documented = paths[route.path]?[route.method.lowercased()] != nil
            #expect(documented, "\(route.method) \(route.path) is not in openapi.yaml")
        }
    }

    @Test func resultCodeTableMatchesResultCode() throws {
        let components = try Self.document()["components"] as? [String: Any] ?? [:]
        let table = (components["x-verifyd-result-codes"] as? [String: Any])?["codes"] as? [String: Int] ?? [:]
        let swift = Dictionary(uniqueKeysWithValues: ResultCode.allCases.map { ("\($0)", $0.rawValue) })
        #expect(table == swift, "components.x-verifyd-result-codes and ResultCode differ")
    }

    @Test func examplesAreAnsweredAsDescribed() async throws {
        try await Harness.run(["VERIFYD_INTERNAL_TOKEN": internalToken]) { h async throws in
            let paths = try Self.document()["paths"] as? [String: [String: Any]] ?? [:]
            var checked = 0
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                guard let post = operations["post"] as? [String: Any],
                    let content = (post["requestBody"] as? [String: Any])?["content"] as? [String: Any],
                    let examples = (content["application/json"] as? [String: Any])?["examples"]
                        as? [String: [String: Any]]
                else { continue }
                for (name, example) in examples.sorted(by: { $0.key < $1.key }) {
                    guard let expect = example["x-verifyd-expect"] as? [String: Int], let value = example["value"]
                    else { continue }
                    let body = String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
                    let headers = path.hasPrefix("/internal/") ? ["Authorization": "Bearer \(internalToken)"] : [:]
                    let answer = try await h.request(path, method: .post, body: body, headers: headers)
                    #expect(Int(answer.status.code) == expect["status"], "\(path) example \(name)")
                    #expect(
                        answer.code == expect["code"].flatMap(ResultCode.init(rawValue:)), "\(path) example \(name)")
                    checked += 1
                }
            }
            #expect(checked >= 7)
            let served = try await h.client.execute(uri: "/openapi.yaml", method: .get) { String(buffer: $0.body) }
            #expect(served == (try String(contentsOf: Self.file, encoding: .utf8)), "the served document is the file")
        }
    }
}
