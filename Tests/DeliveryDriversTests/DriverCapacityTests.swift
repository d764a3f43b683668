import DeliveryDrivers
import Foundation
import TestSupport
import Testing

@testable import Verification

/// The drivers alone against the sinks: many deliveries in flight at once, over few connections.
@Suite struct DriverCapacityTests {
    /// The sink's relay, plain SMTP (STARTTLS off: the sink offers none), with a deadline of `timeout`.
    private func smtp(_ sink: Sink, timeout: Duration = .seconds(10)) throws -> SMTPSettings {
        try SMTPSettings(
            url: "smtp://127.0.0.1:\(sink.port)", startTLS: .off,
            from: try MailAddress(parsing: "Verifyd Test <noreply@example.com>"), timeout: timeout)
    }

    private func sms(to number: String, code: String) -> DeliveryMessage {
        DeliveryMessage(
            id: "1-\(code)", channel: .sms, recipient: "86\(number)", countryCode: 86, nationalNumber: number,
            templateId: 1, langTag: "en", code: code, expiresAt: .max,
            content: .sms(RenderedSMS(langTag: "en", signName: "Fresns", templateCode: "t1", codeParam: "code")))
    }

    /// 40 messages at once through a driver of 8 transfers: all arrive intact, over at most 8 SMTP sessions, so
    /// sessions carry several messages each (the multi handle reuses its connections).
    @Test func concurrentEmailsShareAtMostConcurrencySessions() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try sink.set("delay", "0.05")
        let driver = SMTPDeliveryDriver(settings: try smtp(sink), concurrency: 8)
        let sent = (0..<40).map { (recipient: "reader\($0)@example.com", code: String(format: "%06d", 100_000 + $0)) }
        try await withThrowingDiscardingTaskGroup { group in
            for (recipient, code) in sent {
                group.addTask { try await driver.deliver(.testEmail(to: recipient, code: code)) }
            }
        }
        // Each delivery returned after the relay's 250, which comes after the sink wrote the message down.
        let messages = sink.records("messages.jsonl")
        #expect(messages.count == sent.count)
        let byRecipient = Dictionary(
            messages.map { (($0["rcpt_tos"] as? [String])?.first ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for (recipient, code) in sent {
            let mail = try #require(byRecipient[recipient], "\(recipient) got its message")
            #expect(mail["mail_from"] as? String == "noreply@example.com")
            #expect((mail["to"] as? String)?.contains(recipient) == true)
            #expect(mail["subject"] as? String == "Code \(code)")
            #expect((mail["text"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == "Your code: \(code)")
            #expect((mail["html"] as? String)?.contains("<p>\(code)</p>") == true)
        }
        let sessions = Set(messages.compactMap { $0["session"] as? Int })
        let ports = Set(messages.compactMap { $0["peer_port"] as? Int })
        #expect(sessions.count >= 1 && sessions.count <= 8, "at most one SMTP session per transfer slot: \(sessions)")
        #expect(ports.count <= 8, "at most 8 connections: \(ports)")
    }

    /// One message stalled after DATA does not hold up the others (one thread drives every transfer): they are
    /// delivered meanwhile, and the stalled one fails, as transient, at its own deadline.
    @Test func aStalledTransferDoesNotHoldUpTheOthers() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try sink.set("modes", "hang")
        let driver = SMTPDeliveryDriver(settings: try smtp(sink, timeout: .seconds(3)), concurrency: 4)
        let order = OrderLog()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await driver.deliver(.testEmail(to: "stalled@example.com", code: "000000"))
                    await order.append("stalled: delivered")
                } catch let failure as DeliveryFailure {
                    guard case .transient = failure else { throw failure }
                    await order.append("stalled: transient")
                }
            }
            try await waitUntil(timeout: .seconds(10), "the first message hangs in DATA") { sink.smtpAttempts >= 1 }
            for index in 0..<5 {
                group.addTask {
                    try await driver.deliver(.testEmail(to: "next\(index)@example.com", code: "10000\(index)"))
                    await order.append("next")
                }
            }
        }
        let entries = await order.entries
        #expect(entries == Array(repeating: "next", count: 5) + ["stalled: transient"])
        #expect(sink.records("messages.jsonl").count == 5)
    }

    /// Over STARTTLS (required, the relay's certificate trusted through `caFile`), sessions are set up by libcurl and
    /// then carry several messages each, encrypted.
    @Test func sessionsOverSTARTTLSCarrySeveralMessages() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let sink = try await Sink.start(.smtp, arguments: certificates.sinkArguments())
        defer { sink.stop() }
        let settings = try SMTPSettings(
            url: "smtp://127.0.0.1:\(sink.port)", startTLS: .required,
            from: try MailAddress(parsing: "noreply@example.com"), timeout: .seconds(10),
            caFile: certificates.caFile)
        let driver = SMTPDeliveryDriver(settings: settings, concurrency: 3)
        let recipients = (0..<12).map { "tls\($0)@example.com" }
        try await withThrowingDiscardingTaskGroup { group in
            for (index, recipient) in recipients.enumerated() {
                group.addTask { try await driver.deliver(.testEmail(to: recipient, code: "20000\(index % 10)")) }
            }
        }
        let messages = sink.records("messages.jsonl")
        #expect(Set(messages.compactMap { ($0["rcpt_tos"] as? [String])?.first }) == Set(recipients))
        #expect(Set(messages.compactMap { $0["session"] as? Int }).count <= 3)
        #expect(messages.allSatisfy { $0["tls"] as? Bool == true }, "every message went over TLS")
    }

    /// A relay's 4xx is transient and its 5xx permanent, and neither costs the session: after RSET the next message
    /// goes over the same connection.
    @Test func relayAnswersAreClassifiedOnAReusedSession() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        let driver = SMTPDeliveryDriver(settings: try smtp(sink), concurrency: 1)
        try await driver.deliver(.testEmail(to: "first@example.com", code: "111111"))
        try sink.set("modes", "tempfail,reject")
        await #expect(throws: DeliveryFailure.self) {
            do { try await driver.deliver(.testEmail(to: "second@example.com", code: "222222")) } catch let failure
                as DeliveryFailure
            {
                #expect(failure.description.hasPrefix("transient") && failure.description.contains("451"))
                throw failure
            }
        }
        await #expect(throws: DeliveryFailure.self) {
            do { try await driver.deliver(.testEmail(to: "third@example.com", code: "333333")) } catch let failure
                as DeliveryFailure
            {
                #expect(failure.description.hasPrefix("permanent") && failure.description.contains("550"))
                throw failure
            }
        }
        try await driver.deliver(.testEmail(to: "fourth@example.com", code: "444444"))
        let recipients = sink.records("messages.jsonl").compactMap { ($0["rcpt_tos"] as? [String])?.first }
        #expect(recipients == ["first@example.com", "fourth@example.com"])
        #expect(Set(sink.records("messages.jsonl").compactMap { $0["session"] as? Int }).count == 1)
    }

    /// 50 webhook calls at once against a gateway taking 0.3 s each run side by side: the driver's client is not
    /// held to AsyncHTTPClient's default of 8 connections per host.
    @Test func webhookCallsRunConcurrently() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try sink.set("delay", "0.3")
        let driver = WebhookSMSDriver(
            settings: try WebhookSettings(url: "http://127.0.0.1:\(sink.port)/sms", bearerToken: nil), concurrency: 64)
        let numbers = (0..<50).map { "139\(String(format: "%08d", $0))" }
        try await withThrowingDiscardingTaskGroup { group in
            for (index, number) in numbers.enumerated() {
                group.addTask { try await driver.deliver(sms(to: number, code: String(format: "%06d", index))) }
            }
        }
        let requests = sink.records("requests.jsonl")
        #expect(requests.count == numbers.count)
        let delivered = Set(requests.compactMap { ($0["body"] as? [String: Any])?["phoneNumber"] as? String })
        #expect(delivered == Set(numbers))
        // The most requests the sink held at once: each is in flight from its arrival to its answer.
        let events = requests.flatMap { request -> [(Double, Int)] in
            guard let start = request["received_at"] as? Double, let end = request["at"] as? Double else { return [] }
            return [(start, 1), (end, -1)]
        }.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var inFlight = 0
        var most = 0
        for (_, change) in events {
            inFlight += change
            most = max(most, inFlight)
        }
        #expect(most >= 20, "at most \(most) webhook calls were in flight at once")
    }
}

/// The order in which concurrent deliveries finished.
private actor OrderLog {
    private(set) var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}
