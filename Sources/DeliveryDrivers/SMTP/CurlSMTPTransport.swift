import CCurl
import CCurlShim
import Foundation
import NIOPosix
import Verification

/// Sends a message with libcurl's SMTP support (EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL FROM, RCPT TO, DATA).
///
/// libcurl's easy interface blocks, so transfers run on a thread pool of their own (one thread per concurrent
/// delivery), never on an event loop or the Swift concurrency pool.
final class CurlSMTPTransport: Sendable {
    private let settings: SMTPSettings
    private let pool: NIOThreadPool

    /// libcurl's process-wide initialisation, done once (CURL_GLOBAL_ALL).
    private static let globalInit: Bool = curl_global_init(3) == CURLE_OK

    init(settings: SMTPSettings, threads: Int) {
        _ = Self.globalInit
        self.settings = settings
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit { pool.shutdownGracefully { _ in } }

    /// Transfers `message` from the configured sender to `recipient`.
    func send(to recipient: String, message: [UInt8]) async throws {
        let settings = self.settings
        let result = try await pool.runIfActive { Self.perform(settings, recipient: recipient, message: message) }
        try result.get()
    }

    private static func perform(
        _ settings: SMTPSettings, recipient: String, message: [UInt8]
    ) -> Result<Void, DeliveryFailure> {
        guard let handle = curl_easy_init() else { return .failure(.transient("curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }
        let source = UploadSource(message)
        let unmanaged = Unmanaged.passRetained(source)
        defer { unmanaged.release() }
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }

        _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_URL, settings.url)
        _ = verifyd_curl_set_string(handle, verifyd_CURLOPT_MAIL_FROM, "<\(settings.from.address)>")
        _ = verifyd_curl_set_pointer(handle, verifyd_CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients))
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
        let timeoutMs = Long(settings.timeout.wholeMilliseconds)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_TIMEOUT_MS, timeoutMs)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000))
        // libcurl 7.88 waits for the reply to the end of DATA with only this timeout (default 120 s), ignoring
        // CURLOPT_TIMEOUT_MS: a relay that stalls there would hold a delivery slot for two minutes.
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, (timeoutMs + 999) / 1000))
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_NOSIGNAL, 1)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_UPLOAD, 1)
        _ = verifyd_curl_set_long(handle, verifyd_CURLOPT_INFILESIZE_LARGE, Long(message.count))
        _ = verifyd_curl_set_read_function(handle, uploadCallback)
        _ = verifyd_curl_set_pointer(handle, verifyd_CURLOPT_READDATA, unmanaged.toOpaque())
        _ = recipients  // kept alive until cleanup

        let code = curl_easy_perform(handle)
        if code == CURLE_OK { return .success(()) }
        let reply = verifyd_curl_response_code(handle)
        let detail = String(cString: curl_easy_strerror(code))
        switch reply {
        case 500...599: return .failure(.permanent("smtp \(reply): \(detail)"))
        case 400...499: return .failure(.transient("smtp \(reply): \(detail)"))
        default: return .failure(.transient("smtp: \(detail)"))
        }
    }
}

typealias Long = Int

/// The message bytes libcurl reads during DATA.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// libcurl's read callback: copies the next piece of the message.
private let uploadCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    guard length > 0 else { return 0 }
    source.bytes.withUnsafeBytes { raw in
        UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}
