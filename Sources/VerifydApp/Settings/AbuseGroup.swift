import Foundation
import SettingKit
import Verification

/// Budgets beyond the per-target limits: per client IP, per SMS country.
enum AbuseGroup {
    static let ipLimits = Setting<[RateLimit]>(
        "VERIFYD_IP_RATE_LIMITS", group: .abuse, format: "count/seconds list or off",
        default: AbuseSettings.defaultIPLimits, defaultText: "20/600,100/86400",
        help: "accepted sends per client IP (IPv6 per /64)"
    ) { text in
        if ["off", "none", "0"].contains(text.lowercased()) { return .success([]) }
        return RateLimit.parseList(text).map { .success($0) }
            ?? .failure(SettingProblem("expected count/seconds pairs such as 20/600,100/86400, or off"))
    }
    static let smsCountryCodes = Setting<Set<Int>?>(
        "VERIFYD_SMS_COUNTRY_CODES", group: .abuse, format: "country codes, e.g. 86,852,1", default: nil,
        defaultText: "all", help: "SMS country codes allowed; others get 34103"
    ) { text in
        let codes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !codes.isEmpty, codes.allSatisfy({ $0.map(AddressFormat.isCountryCode) == true }) else {
            return .failure(SettingProblem("expected country codes 1-999 separated by commas"))
        }
        return .success(Set(codes.compactMap { $0 }))
    }
    static let countryLimits = Setting<[RateLimit]>(
        "VERIFYD_SMS_COUNTRY_RATE_LIMITS", group: .abuse, format: "count/seconds list or off", default: [],
        defaultText: "none", help: "accepted SMS sends per country code, over all targets"
    ) { text in
        if ["off", "none", "0"].contains(text.lowercased()) { return .success([]) }
        return RateLimit.parseList(text).map { .success($0) }
            ?? .failure(SettingProblem("expected count/seconds pairs such as 1000/3600"))
    }

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.send.abuse = AbuseSettings(
            ipLimits: read(ipLimits), smsCountryCodes: read(smsCountryCodes), countryLimits: read(countryLimits))
    }
}
