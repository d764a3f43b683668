import Foundation
import Verification

extension VerifydConfiguration {
    /// Reads the check endpoint, signature, anti-abuse and hardening settings.
    mutating func readProtection(_ reader: inout EnvironmentReader) {
        if let token = reader.string("VERIFYD_INTERNAL_TOKEN") {
            if token.utf8.count < 16 { reader.problem("VERIFYD_INTERNAL_TOKEN: must be at least 16 characters") }
            internalToken = token
        }
        maxCheckAttempts = reader.integer("VERIFYD_MAX_CHECK_ATTEMPTS", in: 1...100) ?? maxCheckAttempts
        requireSignature = reader.bool("VERIFYD_SIGNATURE") ?? false
        if let text = reader.string("VERIFYD_IP_RATE_LIMITS") {
            if ["off", "none", "0"].contains(text.lowercased()) {
                send.abuse.ipLimits = []
            } else if let limits = RateLimit.parseList(text) {
                send.abuse.ipLimits = limits
            } else {
                reader.problem("VERIFYD_IP_RATE_LIMITS: expected count/seconds pairs such as 20/600,100/86400, or off")
            }
        }
        if let text = reader.string("VERIFYD_SMS_COUNTRY_RATE_LIMITS"), !["off", "none", "0"].contains(text.lowercased()) {
            if let limits = RateLimit.parseList(text) { send.abuse.countryLimits = limits } else {
                reader.problem("VERIFYD_SMS_COUNTRY_RATE_LIMITS: expected count/seconds pairs such as 1000/3600")
            }
        }
        if let text = reader.string("VERIFYD_SMS_COUNTRY_CODES") {
            let codes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if !codes.isEmpty, codes.allSatisfy({ $0.map(AddressFormat.isCountryCode) == true }) {
                send.abuse.smsCountryCodes = Set(codes.compactMap { $0 })
            } else {
                reader.problem("VERIFYD_SMS_COUNTRY_CODES: expected country codes 1-999 separated by commas")
            }
        }
        if let text = reader.string("VERIFYD_TRUSTED_PROXIES") {
            if let ranges = CIDR.parseList(text) { trustedProxies = ranges } else {
                reader.problem("VERIFYD_TRUSTED_PROXIES: expected CIDR ranges such as 10.0.0.0/8,fd00::/8")
            }
        }
        if let ms = reader.integer("VERIFYD_REQUEST_TIMEOUT_MS", in: 100...600_000) { requestTimeout = .milliseconds(ms) }
        idleTimeout = max(idleTimeout, requestTimeout + .seconds(5))
        maxHeaderBytes = reader.integer("VERIFYD_MAX_HEADER_BYTES", in: 1024...65536) ?? maxHeaderBytes
    }
}
