import CCurl
import CCurlShim
import Foundation
import Verification

/// One SMTP connection of the transport: set up by libcurl (a `CURLOPT_CONNECT_ONLY` transfer: TCP, TLS, EHLO,
/// STARTTLS, AUTH), then one transaction after another (MAIL FROM, RCPT TO, DATA) through `curl_easy_send` and
/// `curl_easy_recv`, never blocking. Used by the transport's thread only.
final class SMTPSession {
    /// What the transport has to do after a step.
    enum Outcome {
        /// Nothing yet.
        case pending
        /// The message is accepted, or refused by the relay: the session is idle again, or resetting (RSET).
        case done(OutgoingMail, Result<Void, DeliveryFailure>)
        /// The session is idle again (after RSET).
        case ready
        /// The session is finished with (a failed message, a timeout, the relay closed it or it idled too long);
        /// the message it carried, if any, fails.
        case closed(OutgoingMail?, DeliveryFailure)
    }

    private enum Step {
        case mailFrom, rcptTo, data, body
    }

    private enum State {
        case connecting
        case idle
        /// Carrying `mail` through `step`, until `deadline`.
        case busy
        /// RSET after a refused message (until `deadline`), so the next one starts clean on the same connection.
        case resetting
        case closed
    }

    let handle: UnsafeMutableRawPointer
    private(set) var socket: Int32 = -1
    private var state = State.connecting
    /// The message being sent (busy).
    private var mail: OutgoingMail?
    private var step = Step.mailFrom
    /// When the current step (busy, resetting) fails, or when the idle session is closed.
    private var deadline = ContinuousClock.now
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private let timeout: Duration
    private let settings: SMTPSettings

    /// A session for `settings`, to be set up on a multi handle; nil when libcurl cannot make a handle.
    init?(_ settings: SMTPSettings) {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.settings = settings
        timeout = settings.timeout
        _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_URL, settings.url)
        if let user = settings.username { _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_USERNAME, user) }
        if let password = settings.password { _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_PASSWORD, password) }
        let tls: Long
        switch (settings.implicitTLS, settings.startTLS) {
        case (true, _), (false, .required): tls = verifyd_CURLUSESSL_ALL
        case (false, .opportunistic): tls = verifyd_CURLUSESSL_TRY
        case (false, .off): tls = verifyd_CURLUSESSL_NONE
        }
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_USE_SSL, tls)
        if let ca = settings.caFile { _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_CAINFO, ca) }
        // The set-up (connection, TLS, greeting, EHLO, STARTTLS, AUTH) within the SMTP deadline, the connection
        // itself within 10 s of it, and each of the relay's answers meanwhile too (libcurl's default is 120 s).
        let timeoutMs = Long(settings.timeout.wholeMilliseconds)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_TIMEOUT_MS, timeoutMs)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000))
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, (timeoutMs + 999) / 1000))
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_NOSIGNAL, 1)
        // Stop once logged in: the transactions are this session's.
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_CONNECT_ONLY, 1)
    }

    /// Out of the multi handle by now.
    deinit { curl_easy_cleanup(handle) }

    var isConnecting: Bool { state == .connecting }
    var isIdle: Bool { state == .idle }
    /// Carrying a message, or resetting after one.
    var isBusy: Bool { state == .busy || state == .resetting }
    var isOpen: Bool { state != .closed }

    /// The set-up ended with `code`: nil when the session is ready, else why it failed (`SMTPSetupFailure`: a 5xx
    /// answer is permanent, such as a refused login; TLS failures and anything else transient).
    func connected(_ code: CURLcode, now: ContinuousClock.Instant, idleLimit: Duration) -> DeliveryFailure? {
        guard code == CURLE_OK else {
            state = .closed
            return SMTPSetupFailure.classify(code, reply: verifyd_curl_response_code(handle), settings: settings)
        }
        socket = verifyd_curl_active_socket(handle)
        // The first read also ties the connection to this handle for good, so libcurl never takes it for idle.
        guard socket >= 0, receive() == nil, input.isEmpty else {
            state = .closed
            return .transient("smtp: the relay closed the connection after the login")
        }
        state = .idle
        deadline = now + idleLimit
        return nil
    }

    /// Starts sending `mail` from `sender`; the session must be idle.
    func start(_ mail: OutgoingMail, from sender: String, now: ContinuousClock.Instant) -> Outcome {
        state = .busy
        self.mail = mail
        step = .mailFrom
        deadline = now + timeout
        return send(Array("MAIL FROM:<\(sender)>\r\n".utf8))
    }

    /// The socket events to wait for (CURL_WAIT_POLL*) and when to come back regardless; nil while connecting.
    func interest() -> (events: Int16, deadline: ContinuousClock.Instant)? {
        switch state {
        case .connecting, .closed: return nil
        case .idle: return (Int16(CURL_WAIT_POLLIN), deadline)
        case .busy, .resetting:
            let events = CURL_WAIT_POLLIN | (written < output.count ? CURL_WAIT_POLLOUT : 0)
            return (Int16(events), deadline)
        }
    }

    /// Handles the socket's events (`revents`, maybe none) and the deadlines.
    func service(_ revents: Int16, now: ContinuousClock.Instant, idleLimit: Duration) -> Outcome {
        switch state {
        case .connecting, .closed:
            return .pending
        case .idle:
            // An idle relay speaks only to close (421) or just closes: either way the session is over.
            if revents != 0 { return .closed(nil, .transient("smtp: the relay closed an idle session")) }
            if now >= deadline { return .closed(nil, .transient("smtp: idle session closed")) }
            return .pending
        case .busy, .resetting:
            if Int32(revents) & CURL_WAIT_POLLOUT != 0, let failure = flush() { return closed(failure) }
            var ended: DeliveryFailure?
            if Int32(revents) & CURL_WAIT_POLLIN != 0 { ended = receive() }
            while let reply = nextReply() {
                let outcome = advance(reply, now: now, idleLimit: idleLimit)
                guard case .pending = outcome else { return outcome }
            }
            if let ended { return closed(ended) }
            if now >= deadline {
                return closed(.transient("smtp: no answer \(state == .resetting ? "to RSET " : "")within \(timeout)"))
            }
            return .pending
        }
    }

    /// Sends QUIT without waiting for the answer (the connection is closed next).
    func quit() {
        if socket >= 0, !isConnecting {
            let bytes = Array("QUIT\r\n".utf8)
            var sent = 0
            _ = bytes.withUnsafeBytes { curl_easy_send(handle, $0.baseAddress, $0.count, &sent) }
        }
        state = .closed
    }

    // MARK: - The transaction

    /// The session is over; the message it carried, if any, fails with `failure`.
    private func closed(_ failure: DeliveryFailure) -> Outcome {
        let carried = state == .busy ? mail : nil
        mail = nil
        state = .closed
        return .closed(carried, failure)
    }

    /// The next step after the relay's `reply` to the current one.
    private func advance(_ reply: SMTPReply, now: ContinuousClock.Instant, idleLimit: Duration) -> Outcome {
        if state == .resetting {
            guard reply.code / 100 == 2, written == output.count else {
                return closed(.transient("smtp: RSET answered \(reply.code)"))
            }
            state = .idle
            deadline = now + idleLimit
            return .ready
        }
        guard state == .busy, let mail else { return closed(.transient("smtp: unexpected answer \(reply.code)")) }
        let expected = step == .data ? 3 : 2
        guard reply.code / 100 == expected, written == output.count else {
            let failure: DeliveryFailure
            switch reply.code {
            case 500...599: failure = .permanent("smtp \(reply.code): \(reply.text)")
            case 400...499: failure = .transient("smtp \(reply.code): \(reply.text)")
            default: failure = .transient("smtp: unexpected answer \(reply.code) \(reply.text)")
            }
            // A refusal leaves the session usable after RSET; 421 (closing), anything unexpected or an answer
            // before the command was even sent does not.
            guard (400...599).contains(reply.code), reply.code != 421, written == output.count else {
                return closed(failure)
            }
            self.mail = nil
            state = .resetting
            deadline = now + timeout
            if case .closed = send(Array("RSET\r\n".utf8)) { return .closed(mail, failure) }
            return .done(mail, .failure(failure))
        }
        let next: [UInt8]
        switch step {
        case .mailFrom:
            step = .rcptTo
            next = Array("RCPT TO:<\(mail.recipient)>\r\n".utf8)
        case .rcptTo:
            step = .data
            next = Array("DATA\r\n".utf8)
        case .data:
            step = .body
            next = mail.data
        case .body:
            self.mail = nil
            state = .idle
            deadline = now + idleLimit
            return .done(mail, .success(()))
        }
        return send(next)
    }

    private func send(_ bytes: [UInt8]) -> Outcome {
        if output.isEmpty { output = bytes } else { output += bytes }
        guard let failure = flush() else { return .pending }
        return closed(failure)
    }

    /// Writes what it can of `output`; a failure when the connection is broken. After CURLE_AGAIN the same bytes
    /// are offered again, at the same address (OpenSSL insists).
    private func flush() -> DeliveryFailure? {
        while written < output.count {
            var sent = 0
            let code = output.withUnsafeBytes { raw in
                curl_easy_send(handle, raw.baseAddress! + written, raw.count - written, &sent)
            }
            if code == CURLE_AGAIN { return nil }
            guard code == CURLE_OK else { return .transient("smtp: \(String(cString: curl_easy_strerror(code)))") }
            written += sent
        }
        output.removeAll(keepingCapacity: true)
        written = 0
        return nil
    }

    /// Reads all that is there (so nothing stays buffered in TLS); a failure when the connection ended.
    private func receive() -> DeliveryFailure? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var count = 0
            let code = buffer.withUnsafeMutableBytes { curl_easy_recv(handle, $0.baseAddress, $0.count, &count) }
            if code == CURLE_AGAIN { return nil }
            guard code == CURLE_OK else { return .transient("smtp: \(String(cString: curl_easy_strerror(code)))") }
            guard count > 0 else { return .transient("smtp: the relay closed the connection") }
            input += buffer[..<count]
            if input.count > 64 * 1024 { return .transient("smtp: answer too long") }
        }
    }

    /// The first complete reply in `input` (its last line `ddd text`, earlier ones `ddd-text`), taken out of it.
    private func nextReply() -> SMTPReply? {
        var lineStart = 0
        while let newline = input[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = input[lineStart..<newline]
            lineStart = newline + 1
            let digits = line.prefix(3)
            guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                input.removeSubrange(..<lineStart)
                return SMTPReply(code: 0, text: String(decoding: line, as: UTF8.self))
            }
            if line.count > 3 && line[line.startIndex + 3] == UInt8(ascii: "-") { continue }
            let code = Int(String(decoding: digits, as: UTF8.self)) ?? 0
            let text = String(decoding: line.dropFirst(4), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            input.removeSubrange(..<lineStart)
            return SMTPReply(code: code, text: text)
        }
        return nil
    }
}

/// A relay's reply: its code and the text of its last line.
struct SMTPReply {
    var code: Int
    var text: String
}

typealias Long = Int

/// The DATA section of a message.
enum SMTPEncoding {
    /// `message` (CRLF line ends) with every line that starts with a dot given a second one (RFC 5321 4.5.2),
    /// ending in CRLF, then the `.` line that ends DATA.
    static func dataSection(_ message: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(message.count + 8)
        var lineStart = true
        for byte in message {
            if lineStart && byte == UInt8(ascii: ".") { data.append(byte) }
            data.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        if !data.isEmpty && !lineStart { data += Array("\r\n".utf8) }
        data += Array(".\r\n".utf8)
        return data
    }
}
