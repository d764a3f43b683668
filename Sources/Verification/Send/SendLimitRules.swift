/// The rules of the limits a send counts against, as `SendSettings` configures them, and the scripts that know
/// them by name.
struct SendLimitRules: Sendable {
    /// The target's sends (`VERIFYD_RATE_LIMITS`): an exact log.
    let target: LimitRule
    /// A mailbox's sends, its spellings folded (`VERIFYD_RATE_LIMITS`): an exact log.
    let mailbox: LimitRule
    /// The client IP's sends, its lookups, the country code's sends: window counters; nil when off.
    let ip: LimitRule?
    let lookup: LimitRule?
    let country: LimitRule?
    /// The target's lock by its wrong checks (read only); nil without a budget of wrong checks.
    let lock: LimitRule?
    /// The admit and withdraw scripts, with these rules compiled in.
    let scripts: SendScript

    /// The rules of `settings`.
    init(_ settings: SendSettings) {
        let abuse = settings.abuse
        func counter(_ kind: LimitKind, _ pairs: [RateLimit], counts: LimitRule.Counts) -> LimitRule? {
            pairs.isEmpty ? nil : LimitRule(name: kind.rawValue, store: .counter, counts: counts, pairs: pairs)
        }
        target = LimitRule(name: LimitKind.target.rawValue, store: .log, counts: .send, pairs: settings.limits)
        mailbox = LimitRule(name: LimitKind.mailbox.rawValue, store: .log, counts: .send, pairs: settings.limits)
        ip = counter(.ip, abuse.ipLimits, counts: .send)
        lookup = counter(.lookup, abuse.lookupLimits, counts: .lookup)
        country = counter(.country, abuse.countryLimits, counts: .send)
        lock =
            settings.checkFailureLimits.isEmpty ? nil : LimitRule(name: "lock", store: .lock, counts: .check, pairs: [])
        scripts = SendScript(rules: [target, mailbox] + [ip, lookup, country, lock].compactMap { $0 })
    }
}
