import HTTPTypes
import Hummingbird
import Verification

/// The Fresns request headers verifyd reads, with the seed's short names as fallbacks.
enum FresnsHeaders {
    static let aid = HTTPField.Name("X-Fresns-Aid")!
    static let aidToken = HTTPField.Name("X-Fresns-Aid-Token")!
    static let langTag = HTTPField.Name("X-Fresns-Client-Lang-Tag")!
    static let shortAid = HTTPField.Name("aid")!
    static let shortToken = HTTPField.Name("token")!
    static let retryAfter = HTTPField.Name("Retry-After")!

    /// The message language of a request.
    static func language(of request: Request) -> Language {
        Language(tag: request.headers[langTag])
    }

    /// The login a request claims.
    static func session(of request: Request) -> Session {
        Session(
            aid: nonEmpty(request.headers[aid]) ?? request.headers[shortAid],
            token: nonEmpty(request.headers[aidToken]) ?? request.headers[shortToken])
    }

    /// The headers a Fresns signature covers, plus the signature, by their canonical names.
    static func signed(of request: Request) -> [String: String] {
        var headers: [String: String] = [:]
        for name in FresnsSignature.signedHeaders + ["X-Fresns-Signature"] {
            if let value = request.headers[HTTPField.Name(name)!], !value.isEmpty { headers[name] = value }
        }
        return headers
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
