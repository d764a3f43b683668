import Foundation
import SettingKit
import Verification

/// Budgets beyond the per-target limits: per client IP, per SMS country.
enum AbuseGroup {
    static let ipLimits = Setting.limits(
        "VERIFYD_IP_RATE_LIMITS", group: .abuse, default: AbuseSettings.defaultIPLimits,
        help: "accepted sends per client IP (IPv6 per VERIFYD_IPV6_PREFIX network)")
    static let lookupLimits = Setting.limits(
        "VERIFYD_LOOKUP_RATE_LIMITS", group: .abuse, default: AbuseSettings.defaultLookupLimits,
        help: "requests per client IP that reach the address owner check (useType 1, 2, 3); past them 33201")
    static let ipv6Prefix = Setting<Int>.integer(
        "VERIFYD_IPV6_PREFIX", group: .abuse, default: AbuseSettings.defaultIPv6PrefixLength, in: 32...128,
        help: "bits of an IPv6 client address that its budgets count (56: one subscriber's delegation)")
    static let smsCountryCodes = Setting<Set<Int>?>(
        "VERIFYD_SMS_COUNTRY_CODES", group: .abuse, format: "country codes, e.g. 86,852,1, or * for all",
        default: nil, defaultText: "required with an SMS webhook",
        help: "SMS country codes allowed; others get 34103"
    ) { text in
        if text == "*" { return .success(nil) }
        let codes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !codes.isEmpty, codes.allSatisfy({ $0.map(AddressFormat.isCountryCode) == true }) else {
            return .failure(SettingProblem("expected assigned country calling codes separated by commas, or * for all"))
        }
        return .success(Set(codes.compactMap { $0 }))
    }
    static let countryLimits = Setting.limits(
        "VERIFYD_SMS_COUNTRY_RATE_LIMITS", group: .abuse, default: AbuseSettings.defaultCountryLimits,
        help: "accepted SMS sends per country code, over all targets")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.send.abuse = AbuseSettings(
            ipLimits: read(ipLimits), lookupLimits: read(lookupLimits), smsCountryCodes: read(smsCountryCodes),
            countryLimits: read(countryLimits), ipv6PrefixLength: read(ipv6Prefix))
        if case .webhook = configuration.sms, !read.wasGiven(smsCountryCodes) {
            read.problem(
                "VERIFYD_SMS_COUNTRY_CODES: required with an SMS webhook (the countries you serve, or * for all)")
        }
    }
}
