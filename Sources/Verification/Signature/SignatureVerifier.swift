import Foundation
import RedisClient

/// Checks a request's Fresns signature against the app keys in the mirror (`verify:app:<appId>`).
public struct SignatureVerifier: Sendable {
    let redis: RedisClient
    let keys: KeyLayout
    /// How far the timestamp may be from now.
    let window: Int64 = 600

    /// A verifier reading app keys through `redis`.
    public init(redis: RedisClient, keys: KeyLayout) {
        self.redis = redis
        self.keys = keys
    }

    /// nil when the signature is valid; otherwise 31301 (unknown or disabled app), 31304 (platform not
    /// allowed), 31303 (timestamp outside ±600 s) or 31302 (wrong signature). Throws `RedisError`.
    public func verify(headers: [String: String], now: Date = Date()) async throws -> ResultCode? {
        guard let appId = headers["X-Fresns-App-Id"], Session.isPlausibleAid(appId) else { return .appIdInvalid }
        let reply = try await redis.send(RedisCommand("HGETALL", [.string(keys.app(appId))]))
        let app = reply.fieldMap ?? [:]
        guard let secret = app["secret"], !secret.isEmpty, app["enabled"] == "1" else { return .appIdInvalid }
        if let platform = app["platformId"], !platform.isEmpty, headers["X-Fresns-Client-Platform-Id"] != platform {
            return .keyNotAllowed
        }
        guard let stamp = headers["X-Fresns-Signature-Timestamp"], let seconds = Self.seconds(stamp),
            abs(seconds - Int64(now.timeIntervalSince1970)) <= window
        else { return .signatureExpired }
        let expected = FresnsSignature.sign(headers, secret: secret)
        let given = (headers["X-Fresns-Signature"] ?? "").lowercased()
        return FresnsSignature.constantTimeEquals(expected, given) ? nil : .signatureError
    }

    /// Unix seconds from a 10-digit (seconds) or 13-digit (milliseconds) timestamp.
    static func seconds(_ text: String) -> Int64? {
        guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int64(text) else { return nil }
        switch text.utf8.count {
        case 10: return value
        case 13: return value / 1000
        default: return nil
        }
    }
}
