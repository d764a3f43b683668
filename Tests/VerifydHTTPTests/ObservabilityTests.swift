import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Verification

/// `/metrics`, request ids.
@Suite struct ObservabilityTests {
    @Test func metricsAreExposedWithBoundedLabels() async throws {
        try await Harness.run { h async throws in
            _ = TestMetrics.registry
            #expect(try await h.send(body("email", 5, account: "metrics-user@example.com")).code == .ok)
            #expect(try await h.send(body("email", 5, account: "metrics-user@example.com")).code == .sentTooOften)
            let text = try await h.client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            #expect(
                text.contains(
                    #"verifyd_http_requests_total{route="/api/v2/common/send-verify-code",method="POST",status="200",code="\#(ResultCode.ok.rawValue)"}"#
                ))
            #expect(text.contains(#"code="\#(ResultCode.sentTooOften.rawValue)""#))
            #expect(text.contains(#"verifyd_codes_issued_total{channel="email"}"#))
            #expect(text.contains(#"verifyd_rate_limited_total{limit="target"}"#))
            #expect(text.contains("verifyd_http_request_duration_seconds_bucket"))
            #expect(text.contains("verifyd_redis_round_trip_seconds_count"))
            #expect(!text.contains("metrics-user"), "no account in a label")
        }
    }

    @Test func requestIdsAreEchoedOrGenerated() async throws {
        try await Harness.run { h async throws in
            let given = try await h.request("/health/live", method: .get, headers: ["X-Request-Id": "trace-42"])
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "trace-42")
            let bad = try await h.request("/health/live", method: .get, headers: ["X-Request-Id": "bad id\u{7F}"])
            let generated = bad.headers[HTTPField.Name("X-Request-Id")!] ?? ""
            #expect(generated.count == 16 && generated != "bad id\u{7F}")
        }
    }
}
