import CCurl
import CCurlShim
import Foundation
import NIOConcurrencyHelpers
import Verification

/// Sends messages over a pool of kept SMTP sessions, all driven by one thread of the transport's own (never an event
/// loop or the Swift concurrency pool): a message in flight costs a socket, not a thread.
///
/// libcurl sets each session up (TCP, implicit TLS or STARTTLS, EHLO, AUTH) as a `CURLOPT_CONNECT_ONLY` transfer on
/// the transport's multi handle; the thread then runs each message's transaction on it (MAIL FROM, RCPT TO, DATA)
/// with `curl_easy_send` / `curl_easy_recv`, so TLS stays libcurl's. A session carries message after message. libcurl
/// cannot run the transactions itself here: its SMTP code waits for the reply to the end of DATA blocking the thread
/// (`smtp_done`, up to libcurl 8.x), which would serialize every relay's per-message delay on the one thread.
///
/// One loop (`curl_multi_perform`, `curl_multi_info_read`, `curl_multi_poll` with the sessions' sockets as extra
/// descriptors) does everything; `send` hands a message over under a lock and wakes it with `curl_multi_wakeup`,
/// then suspends until the message is accepted or failed. At most `concurrency` sessions exist at once; messages
/// wait in order for a free one.
///
/// Releasing the transport (or `shutdown()`) refuses new messages; the thread ends once those it holds are done,
/// each within its own deadline, and closes the sessions (QUIT).
final class CurlSMTPTransport: Sendable {
    private let engine: SMTPEngine

    init(settings: SMTPSettings, concurrency: Int) {
        engine = SMTPEngine(settings: settings, concurrency: max(1, concurrency))
    }

    deinit { engine.shutdown() }

    /// Transfers `message` (CRLF line ends) from the configured sender to `recipient`.
    func send(to recipient: String, message: [UInt8]) async throws {
        let data = SMTPEncoding.dataSection(message)
        let result = await withCheckedContinuation { continuation in
            engine.submit(OutgoingMail(recipient: recipient, data: data, continuation: continuation))
        }
        try result.get()
    }

    /// Refuses new messages; the thread ends once the messages it holds are done. Also done on release.
    func shutdown() { engine.shutdown() }
}

/// A message handed to the loop, and the sender waiting for it.
final class OutgoingMail: @unchecked Sendable {
    let recipient: String
    /// The dot-stuffed message and the final `.` line.
    let data: [UInt8]
    private var continuation: CheckedContinuation<Result<Void, DeliveryFailure>, Never>?

    init(recipient: String, data: [UInt8], continuation: CheckedContinuation<Result<Void, DeliveryFailure>, Never>) {
        self.recipient = recipient
        self.data = data
        self.continuation = continuation
    }

    /// Resumes the sender, once (on the loop's thread, or by `submit` when refused).
    func finish(_ result: Result<Void, DeliveryFailure>) {
        continuation?.resume(returning: result)
        continuation = nil
    }
}

/// The multi handle, the sessions and the thread that drives them.
///
/// `submit` and `shutdown` may be called from any thread: they change `shared` under its lock and wake the loop with
/// `curl_multi_wakeup`, also under the lock, so the loop cannot free the multi handle meanwhile. Everything else
/// belongs to the loop's thread.
private final class SMTPEngine: @unchecked Sendable {
    private struct Shared {
        var submitted: [OutgoingMail] = []
        var stopping = false
        /// The loop has ended and freed the multi handle.
        var finished = false
    }

    private let shared = NIOLockedValueBox(Shared())
    private let multi: UnsafeMutableRawPointer?
    private let settings: SMTPSettings
    private let concurrency: Int
    private let clock = ContinuousClock()
    /// A session idle this long is closed (QUIT) rather than trusted with the next message.
    private let idleLimit: Duration = .seconds(50)

    // The loop's thread only.
    /// Messages waiting for a session, oldest first.
    private var waiting: [OutgoingMail] = []
    private var sessions: [SMTPSession] = []
    /// Established sessions without a message, the most recently used last.
    private var idle: [SMTPSession] = []

    /// libcurl's process-wide initialisation, done once (CURL_GLOBAL_ALL).
    private static let globalInit: Bool = curl_global_init(3) == CURLE_OK

    init(settings: SMTPSettings, concurrency: Int) {
        _ = Self.globalInit
        self.settings = settings
        self.concurrency = concurrency
        multi = curl_multi_init()
        guard let multi else {
            shared.withLockedValue { $0.finished = true }
            return
        }
        // The sessions are at most `concurrency` connections; libcurl's limits say the same.
        _ = verifyd_curl_multi_set_long(multi, verifyd_CURLMOPT_MAX_HOST_CONNECTIONS, concurrency)
        _ = verifyd_curl_multi_set_long(multi, verifyd_CURLMOPT_MAX_TOTAL_CONNECTIONS, concurrency)
        _ = verifyd_curl_multi_set_long(multi, verifyd_CURLMOPT_MAXCONNECTS, concurrency)
        let thread = Thread { [self] in run() }
        thread.name = "verifyd-smtp"
        thread.start()
    }

    /// Hands `mail` to the loop; it is finished once, when accepted, failed or refused.
    func submit(_ mail: OutgoingMail) {
        let accepted = shared.withLockedValue { shared in
            guard !shared.stopping, !shared.finished, let multi else { return false }
            shared.submitted.append(mail)
            curl_multi_wakeup(multi)
            return true
        }
        if !accepted { mail.finish(.failure(.transient("smtp: the transport is shut down"))) }
    }

    /// No new messages; the loop ends after those it holds.
    func shutdown() {
        shared.withLockedValue { shared in
            guard !shared.stopping, !shared.finished, let multi else { return }
            shared.stopping = true
            curl_multi_wakeup(multi)
        }
    }

    // MARK: - The loop

    private func run() {
        guard let multi else { return }
        var running: Int32 = 0
        var descriptors: [curl_waitfd] = []
        var owners: [SMTPSession] = []
        while true {
            let stopping = shared.withLockedValue { shared in
                waiting += shared.submitted
                shared.submitted.removeAll()
                return shared.stopping
            }
            if stopping && waiting.isEmpty && !sessions.contains(where: { $0.isBusy }) { break }
            dispatch(on: multi)

            // Set-ups advance; finished ones become idle sessions or fail a waiting message.
            _ = curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                var handle: UnsafeMutableRawPointer?
                var code = CURLE_OK
                guard verifyd_curl_message_done(message, &handle, &code) != 0, let handle,
                    let pointer = verifyd_curl_private(handle)
                else { continue }
                connected(Unmanaged<SMTPSession>.fromOpaque(pointer).takeUnretainedValue(), code, on: multi)
            }
            if !waiting.isEmpty && !idle.isEmpty { continue }

            // Wait for libcurl's set-ups, the sessions' sockets, a wake-up, or the nearest deadline.
            let now = clock.now
            var wait = Duration.seconds(30)
            descriptors.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            for session in sessions {
                guard let (events, deadline) = session.interest() else { continue }
                descriptors.append(curl_waitfd(fd: session.socket, events: events, revents: 0))
                owners.append(session)
                wait = min(wait, max(.zero, deadline - now))
            }
            let milliseconds = Int32((wait / .milliseconds(1)).rounded(.up))
            if curl_multi_poll(multi, &descriptors, UInt32(descriptors.count), milliseconds, nil) != CURLM_OK {
                usleep(10_000)
            }

            let after = clock.now
            for (index, session) in owners.enumerated() where session.isOpen {
                let outcome = session.service(descriptors[index].revents, now: after, idleLimit: idleLimit)
                settle(session, outcome, on: multi)
            }
        }
        for session in sessions { close(session, on: multi) }
        shared.withLockedValue { $0.finished = true }
        curl_multi_cleanup(multi)
    }

    /// Waiting messages go to idle sessions; new sessions are set up for the rest, up to `concurrency`.
    private func dispatch(on multi: UnsafeMutableRawPointer) {
        while !waiting.isEmpty, let session = idle.popLast() {
            let mail = waiting.removeFirst()
            settle(session, session.start(mail, from: settings.from.address, now: clock.now), on: multi)
        }
        let connecting = sessions.count(where: { $0.isConnecting })
        var missing = min(waiting.count - connecting, concurrency - sessions.count)
        while missing > 0 {
            missing -= 1
            guard let session = SMTPSession(settings) else {
                waiting.removeFirst().finish(.failure(.transient("curl_easy_init failed")))
                continue
            }
            _ = verifyd_curl_set_pointer(
                session.handle, verifyd_CURLOPT_PRIVATE, Unmanaged.passUnretained(session).toOpaque())
            let added = curl_multi_add_handle(multi, session.handle)
            guard added == CURLM_OK else {
                let detail = String(cString: curl_multi_strerror(added))
                waiting.removeFirst().finish(.failure(.transient("smtp: \(detail)")))
                continue
            }
            sessions.append(session)
        }
    }

    /// A set-up ended: the session is ready, or the oldest waiting message fails with the reason.
    private func connected(_ session: SMTPSession, _ code: CURLcode, on multi: UnsafeMutableRawPointer) {
        if let failure = session.connected(code, now: clock.now, idleLimit: idleLimit) {
            close(session, on: multi)
            if !waiting.isEmpty { waiting.removeFirst().finish(.failure(failure)) }
        } else {
            idle.append(session)
        }
    }

    /// Acts on what a session reported.
    private func settle(_ session: SMTPSession, _ outcome: SMTPSession.Outcome, on multi: UnsafeMutableRawPointer) {
        switch outcome {
        case .pending: break
        case .done(let mail, let result):
            mail.finish(result)
            if session.isIdle { idle.append(session) }
        case .ready:
            idle.append(session)
        case .closed(let mail, let failure):
            mail?.finish(.failure(failure))
            close(session, on: multi)
        }
    }

    /// QUIT (without waiting for the answer), then the connection is closed and the session forgotten.
    private func close(_ session: SMTPSession, on multi: UnsafeMutableRawPointer) {
        session.quit()
        // A CONNECT_ONLY connection is closed as the handle leaves the multi handle (libcurl sends no QUIT then).
        _ = curl_multi_remove_handle(multi, session.handle)
        sessions.removeAll { $0 === session }
        idle.removeAll { $0 === session }
    }
}
