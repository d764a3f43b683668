import Verification

/// The Fresns request headers verifyd reads, with the seed's short names as fallbacks.
enum FresnsHeaders {
    static let aid = "X-Fresns-Aid"
    static let aidToken = "X-Fresns-Aid-Token"
    static let langTag = "X-Fresns-Client-Lang-Tag"
    static let shortAid = "aid"
    static let shortToken = "token"
    static let retryAfter = "Retry-After"

    /// The message language of a request.
    static func language(of request: IncomingRequest) -> Language {
        Language(tag: request.header(langTag))
    }

    /// The login a request claims.
    static func session(of request: IncomingRequest) -> Session {
        Session(
            aid: nonEmpty(request.header(aid)) ?? request.header(shortAid),
            token: nonEmpty(request.header(aidToken)) ?? request.header(shortToken))
    }

    /// The headers a Fresns signature covers, plus the signature, by their canonical names.
    static func signed(of request: IncomingRequest) -> [String: String] {
        var headers: [String: String] = [:]
        for name in FresnsSignature.signedHeaders + ["X-Fresns-Signature"] {
            if let value = request.header(name), !value.isEmpty { headers[name] = value }
        }
        return headers
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
