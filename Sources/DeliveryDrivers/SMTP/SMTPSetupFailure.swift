import CCurl
import Verification

/// Why a session's set-up (connection, TLS, greeting, EHLO, STARTTLS, AUTH) failed, as a delivery failure whose
/// reason an operator can act on.
///
/// TLS failures are transient, like a relay that cannot be reached: the message is retried, then dead-lettered with
/// the reason, while the operator fixes the relay or the CA file. A 5xx answer (a refused login) is permanent; any
/// other 4xx or failure transient.
enum SMTPSetupFailure {
    /// The failure for libcurl's `code`, the relay's last `reply` code (0 when none) and the session's `settings`.
    static func classify(_ code: CURLcode, reply: Int, settings: SMTPSettings) -> DeliveryFailure {
        let detail = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_USE_SSL_FAILED:
            // The relay's EHLO offered no STARTTLS (reply 250), or it answered STARTTLS with a refusal.
            let answer = (400...599).contains(reply) ? "refused STARTTLS (\(reply))" : "does not offer STARTTLS"
            return .transient("smtp: the relay \(answer), and TLS is required (\(settings.tls))")
        case CURLE_PEER_FAILED_VERIFICATION:
            return .transient(
                "smtp: the relay's TLS certificate is not trusted by \(trustedCAs(settings)) or does not name "
                    + "\(settings.host): \(detail)")
        case CURLE_SSL_CACERT_BADFILE:
            return .transient("smtp: cannot use \(trustedCAs(settings)): \(detail)")
        case CURLE_SSL_CONNECT_ERROR:
            return .transient("smtp: the TLS handshake with the relay failed (\(settings.tls)): \(detail)")
        default:
            switch reply {
            case 500...599: return .permanent("smtp \(reply): \(detail)")
            case 400...499: return .transient("smtp \(reply): \(detail)")
            default: return .transient("smtp: \(detail)")
            }
        }
    }

    /// The CAs the relay's certificate is checked against.
    private static func trustedCAs(_ settings: SMTPSettings) -> String {
        settings.caFile.map { "the CA file \($0)" } ?? "the system's CAs"
    }
}
