import DeliveryDrivers
import Foundation
import TestSupport
import Testing

@testable import Verification

/// TLS to the SMTP relay, for real: the driver against the aiosmtpd sink serving a certificate signed by a CA made
/// for the run, over STARTTLS or implicit TLS (`smtps://`). A relay verifyd cannot trust, or one without STARTTLS
/// when STARTTLS is required, gets no message, and the failure says why.
@Suite struct SMTPTLSTests {
    /// How the relay is reached: STARTTLS on `smtp://`, or TLS from the first byte on `smtps://`.
    enum Transport: String, CaseIterable, Sendable {
        case startTLS, implicitTLS

        var scheme: String { self == .implicitTLS ? "smtps" : "smtp" }
    }

    /// What the driver trusts instead of the relay's CA.
    enum Distrust: String, CaseIterable, Sendable {
        /// No CA file: the system's CAs, which never signed the test CA.
        case systemCAs
        /// The CA file of another authority.
        case anotherCA
    }

    /// The driver's settings for the sink: `transport`, STARTTLS `startTLS`, trusting `caFile`.
    private func settings(
        _ sink: Sink, _ transport: Transport, startTLS: SMTPSettings.StartTLS = .required, caFile: String?
    ) throws -> SMTPSettings {
        try SMTPSettings(
            url: "\(transport.scheme)://127.0.0.1:\(sink.port)", startTLS: startTLS,
            from: try MailAddress(parsing: "noreply@example.com"), timeout: .seconds(10), caFile: caFile)
    }

    /// The failure `driver` reports for a message to `recipient`; a test failure when it is delivered instead.
    private func failure(of driver: SMTPDeliveryDriver, to recipient: String) async throws -> DeliveryFailure {
        do {
            try await driver.deliver(.testEmail(to: recipient, code: "424242"))
        } catch let failure as DeliveryFailure {
            return failure
        }
        throw TestFailure("the message to \(recipient) was delivered")
    }

    /// The message arrives, over TLS, whether the relay speaks STARTTLS (required) or TLS from the first byte, when
    /// its certificate's CA is the CA file.
    @Test(arguments: Transport.allCases) func aTrustedRelayGetsTheMessageOverTLS(_ transport: Transport) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let sink = try await Sink.start(
            .smtp, arguments: certificates.sinkArguments(implicit: transport == .implicitTLS))
        defer { sink.stop() }
        let driver = SMTPDeliveryDriver(
            settings: try settings(sink, transport, caFile: certificates.caFile), concurrency: 1)
        try await driver.deliver(.testEmail(to: "reader@example.com", code: "123456"))
        let messages = sink.records("messages.jsonl")
        #expect(messages.count == 1)
        let mail = try #require(messages.first)
        #expect(mail["rcpt_tos"] as? [String] == ["reader@example.com"])
        #expect((mail["text"] as? String)?.contains("Your code: 123456") == true)
        #expect(mail["tls"] as? Bool == true, "the message went over TLS")
        #expect((mail["tls_version"] as? String)?.hasPrefix("TLSv1.") == true, "\(mail["tls_version"] ?? "none")")
    }

    /// A relay whose certificate the driver cannot trust (no CA file, or another authority's) gets nothing, over
    /// STARTTLS or implicit TLS: the delivery fails, transient (retried, then dead-lettered), naming the certificate.
    @Test(arguments: Transport.allCases, Distrust.allCases)
    func anUntrustedRelayGetsNoMessage(_ transport: Transport, _ distrust: Distrust) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let other = try await TestCertificates.make(authority: "another CA")
        defer { other.remove() }
        let sink = try await Sink.start(
            .smtp, arguments: certificates.sinkArguments(implicit: transport == .implicitTLS))
        defer { sink.stop() }
        let caFile = distrust == .anotherCA ? other.caFile : nil
        let driver = SMTPDeliveryDriver(settings: try settings(sink, transport, caFile: caFile), concurrency: 1)
        let failure = try await failure(of: driver, to: "reader@example.com")
        guard case .transient(let reason) = failure else {
            Issue.record("expected a transient failure, got \(failure)")
            return
        }
        #expect(reason.contains("TLS certificate is not trusted"), "\(reason)")
        #expect(reason.contains(distrust == .anotherCA ? other.caFile : "the system's CAs"), "\(reason)")
        #expect(sink.smtpAttempts == 0, "no DATA reached the relay")
        #expect(sink.records("messages.jsonl").isEmpty)
    }

    /// STARTTLS required (verifyd's default) against a relay that offers none: no message, a transient failure
    /// saying so. Opportunistic STARTTLS, chosen explicitly, delivers to the same relay in plaintext.
    @Test func aRelayWithoutSTARTTLSGetsNoMessageWhenItIsRequired() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        let required = SMTPDeliveryDriver(settings: try settings(sink, .startTLS, caFile: nil), concurrency: 1)
        let failure = try await failure(of: required, to: "reader@example.com")
        guard case .transient(let reason) = failure else {
            Issue.record("expected a transient failure, got \(failure)")
            return
        }
        #expect(reason.contains("does not offer STARTTLS") && reason.contains("STARTTLS required"), "\(reason)")
        #expect(sink.smtpAttempts == 0 && sink.records("messages.jsonl").isEmpty)

        let opportunistic = SMTPDeliveryDriver(
            settings: try settings(sink, .startTLS, startTLS: .opportunistic, caFile: nil), concurrency: 1)
        try await opportunistic.deliver(.testEmail(to: "plain@example.com", code: "654321"))
        let messages = sink.records("messages.jsonl")
        #expect(messages.compactMap { ($0["rcpt_tos"] as? [String])?.first } == ["plain@example.com"])
        #expect(messages.first?["tls"] as? Bool == false)
    }

    /// Opportunistic STARTTLS still upgrades when the relay offers it, and still checks the certificate: trusted, the
    /// message goes over TLS; untrusted, it is not sent at all (no fallback to plaintext).
    @Test func opportunisticSTARTTLSUpgradesAndChecksTheCertificate() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let sink = try await Sink.start(.smtp, arguments: certificates.sinkArguments())
        defer { sink.stop() }
        let untrusted = SMTPDeliveryDriver(
            settings: try settings(sink, .startTLS, startTLS: .opportunistic, caFile: nil), concurrency: 1)
        let failure = try await failure(of: untrusted, to: "untrusted@example.com")
        #expect(failure.description.hasPrefix("transient") && failure.description.contains("not trusted"))
        let trusted = SMTPDeliveryDriver(
            settings: try settings(sink, .startTLS, startTLS: .opportunistic, caFile: certificates.caFile),
            concurrency: 1)
        try await trusted.deliver(.testEmail(to: "trusted@example.com", code: "111222"))
        let messages = sink.records("messages.jsonl")
        #expect(messages.compactMap { ($0["rcpt_tos"] as? [String])?.first } == ["trusted@example.com"])
        #expect(messages.first?["tls"] as? Bool == true)
    }

    /// Through the worker: a code for a relay without STARTTLS, which is required, is retried, then dead-lettered
    /// with the reason; the relay got nothing, and the code is not lost (it is in the dead letters).
    @Test func aRelayWithoutSTARTTLSDeadLettersTheCodeWithTheReason() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        var worker = DeliveryWorker.Settings()
        worker.retry.base = .milliseconds(50)
        worker.retry.maxAttempts = 3
        try await DeliveryHarness.run(
            email: try settings(sink, .startTLS, caFile: nil), siteName: "Fresns", worker: worker
        ) { h async throws in
            #expect(try await h.send(.email, .direct, template: 1, account: "reader@example.com") == .ok)
            try await waitUntil(timeout: .seconds(20), "the entry is dead-lettered") {
                try await OutboxProbe(h.store).deadLength() == 1
            }
            let fields = try await h.firstDeadLetter()
            let reason = fields.firstIndex(of: "reason").map { fields[$0 + 1] } ?? ""
            #expect(reason.hasPrefix("smtp transient: smtp: the relay does not offer STARTTLS"), "\(reason)")
            #expect(reason.hasSuffix("after 3 attempts"), "\(reason)")
            #expect(try await OutboxProbe(h.store).stat("retries") == 2)
            #expect(try await h.outboxLength() == 0)
            #expect(sink.smtpAttempts == 0 && sink.records("messages.jsonl").isEmpty)
        }
    }

    /// The logs' name of the relay says which TLS is in use, and never the password.
    @Test func theRelaysDescriptionNamesItsTLS() throws {
        let from = try MailAddress(parsing: "noreply@example.com")
        let required = try SMTPSettings(url: "smtp://user:secret@mail.example.com", startTLS: .required, from: from)
        #expect(required.redacted == "smtp://user:***@mail.example.com:587 (STARTTLS required)")
        let implicit = try SMTPSettings(
            url: "smtps://mail.example.com", startTLS: .off, from: from, caFile: "/etc/verifyd/ca.pem")
        #expect(implicit.redacted == "smtps://mail.example.com:465 (implicit TLS, CA file /etc/verifyd/ca.pem)")
        let plain = try SMTPSettings(url: "smtp://mail.example.com:25", startTLS: .off, from: from)
        #expect(plain.redacted == "smtp://mail.example.com:25 (no TLS)")
        let opportunistic = try SMTPSettings(url: "smtp://mail.example.com", startTLS: .opportunistic, from: from)
        #expect(opportunistic.tls == "STARTTLS opportunistic")
    }
}
