import DeliveryDrivers
import Verification

extension VerifydConfiguration {
    /// Every protection against abuse that this configuration turns off or weakens, one sentence each naming its
    /// setting (`verifyd doctor` prints them as warnings). Empty when every one is on.
    public var protectionsOff: [String] {
        var off: [String] = []
        let abuse = send.abuse
        let smsOn = send.enabledChannels.contains(.sms)
        if abuse.ipLimits.isEmpty { off.append("VERIFYD_IP_RATE_LIMITS is off: no budget of sends per client IP") }
        if abuse.lookupLimits.isEmpty {
            off.append("VERIFYD_LOOKUP_RATE_LIMITS is off: anyone may enumerate registered addresses at full speed")
        }
        if !send.limits.contains(where: { $0.window >= 86400 }) {
            off.append("VERIFYD_RATE_LIMITS has no daily cap: a target may be sent codes all day")
        }
        if send.checkFailureLimits.isEmpty {
            off.append("VERIFYD_CHECK_FAILURE_LIMITS is off: wrong checks across a target's codes are not bounded")
        }
        if send.outboxMax == 0 { off.append("VERIFYD_OUTBOX_MAX is 0: the outbox may grow without bound") }
        if smsOn, abuse.smsCountryCodes == nil {
            off.append("VERIFYD_SMS_COUNTRY_CODES allows every country: SMS pumping may target any of them")
        }
        if smsOn, abuse.countryLimits.isEmpty {
            off.append("VERIFYD_SMS_COUNTRY_RATE_LIMITS is off: no budget of SMS per country")
        }
        if case .smtp(let smtp) = email, !smtp.implicitTLS, smtp.startTLS != .required {
            off.append(
                "VERIFYD_SMTP_STARTTLS is \(smtp.startTLS.rawValue): a man in the middle may read the relay password "
                    + "and the codes")
        }
        if keys.tokenNaming == .plain {
            off.append("VERIFYD_MIRROR_TOKENS is plain: login tokens appear in key names (SCAN, MONITOR)")
        }
        if !requireSignature { off.append("VERIFYD_SIGNATURE is off: send requests need no Fresns signature") }
        return off
    }
}
