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
            // These counters are exported from the start at 0, so their value is what tells.
            #expect(value(of: #"verifyd_codes_issued_total{channel="email"}"#, in: text) ?? 0 >= 1)
            #expect(value(of: #"verifyd_rate_limited_total{limit="target"}"#, in: text) ?? 0 >= 1)
            #expect(text.contains("verifyd_http_request_duration_seconds_bucket"))
            #expect(text.contains("verifyd_redis_round_trip_seconds_count"))
            #expect(!text.contains("metrics-user"), "no account in a label")
        }
    }

    /// The value of one series (its name and labels exactly) in the Prometheus text, if it is there.
    private func value(of series: String, in text: String) -> Double? {
        text.split(separator: "\n").lazy.compactMap { line -> Double? in
            guard line.hasPrefix(series + " ") else { return nil }
            return Double(line.dropFirst(series.count + 1))
        }.first
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
