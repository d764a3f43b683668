import Logging
import RedisClient

/// The send-verify-code use case: Fresns' checks in Fresns' order, then one atomic admission.
///
/// Redis round trips: an anonymous send costs one (the admission also applies the address owner rule); a
/// logged-in send one more, for its login. On a cluster, budgets of other entities (client IP, country code) live
/// in other slots and cost one more round trip, before the target's. Blocked email domains come from a cache.
public struct SendVerifyCode: Sendable {
    let redis: RedisClient
    let settings: SendSettings
    let crypto: CodeCrypto
    let templates: TemplateStore
    let logger: Logger
    let backlog: DeliveryBacklog?
    let blockedDomains: BlockedEmailDomains
    let rules: SendLimitRules
    let counters = RequestCounters()
    private var mirror: AccountMirror { AccountMirror(keys: settings.keys) }

    /// The use case on a running Redis client; with a `backlog`, a channel that cannot deliver in time refuses.
    public init(
        redis: RedisClient, settings: SendSettings, crypto: CodeCrypto, templates: TemplateStore, logger: Logger,
        backlog: DeliveryBacklog? = nil, blockedDomains: BlockedEmailDomains? = nil
    ) {
        self.backlog = backlog
        self.redis = redis
        self.settings = settings
        self.crypto = crypto
        self.templates = templates
        self.logger = logger
        self.blockedDomains = blockedDomains ?? BlockedEmailDomains(redis: redis, keys: settings.keys)
        self.rules = SendLimitRules(settings)
    }

    /// Runs every check after parsing (login, channel and template, format, domain, ownership, limits); `langTag`
    /// is the client's language tag (for the template). Throws `RedisError` when Redis cannot answer, `StoreFault`
    /// when it answers what verifyd does not expect.
    public func send(_ request: SendRequest, session: Session, langTag: String?, clientIP: IPAddress? = nil)
        async throws -> SendOutcome
    {
        if session.aid == nil, request.useType.needsLogin { return .refused(.notLoggedIn) }
        var account: MirroredAccount?
        if let aid = session.aid {
            guard let token = session.token else { return .refused(.tokenMissing) }
            guard Session.isPlausibleAid(aid), Session.isPlausibleToken(token) else { return .refused(.tokenInvalid) }
            switch try await mirror.login(aid: aid, token: token, on: redis) {
            case .failure(let code): return .refused(code)
            case .success(let found): account = found
            }
        }
        let target: Target
        switch checkChannelAndFormat(request) {
        case .failure(let code): return .refused(code)
        case .success(let given?):
            if given.channel == .email, try await blockedDomains.isBlocked(given.key) {
                return .refused(.emailDomain)
            }
            target = given
        case .success(nil):
            guard let own = ownTarget(of: account, channel: request.channel) else { return .refused(.parameterError) }
            target = own
        }
        if backlog?.isBacklogged(target.channel) == true {
            VerificationMetrics.backlogged(target.channel)
            return .backlogged(retryAfter: DeliveryBacklog.retryAfterSeconds)
        }
        let tag = langTag.flatMap { LanguageTag.isValid($0) ? $0 : nil } ?? ""
        return try await issue(request, target: target, account: account, langTag: tag, clientIP: clientIP)
    }

    /// Checks 3–5, which need no lookup: channel configured (and its template usable: 33200), country code
    /// given, address format.
    /// Success carries the target, or nil for useType 4 (whose target is the account's own address).
    func checkChannelAndFormat(_ request: SendRequest) -> Result<Target?, ResultCode> {
        guard settings.enabledChannels.contains(request.channel) else { return .failure(.noProvider) }
        guard templates.isUsable(request.templateId, request.channel) else { return .failure(.templateUnavailable) }
        if request.useType == .authentication { return .success(nil) }
        guard let account = request.account else { return .failure(.parameterMissing) }
        return Target.parse(channel: request.channel, account: account, countryCode: request.countryCode).flatMap {
            target in
            if let countryCode = target.countryCode, let allowed = settings.abuse.smsCountryCodes,
                !allowed.contains(countryCode)
            {
                return .failure(.countryCode)
            }
            return .success(target)
        }
    }

    /// Whether the address must be free or taken for this use, or nil when its owner does not matter.
    private func ownerRule(_ useType: UseType) -> AddressOwnerRule? {
        switch useType {
        case .newAccount, .fillInBlank: return .free
        case .existingAccount: return settings.loginOrRegister ? nil : .taken
        case .authentication, .direct: return nil
        }
    }

    /// Whether useType 3 is refused because the account's own address of the channel is already filled.
    private func isBound(_ request: SendRequest, account: MirroredAccount?) -> Bool {
        guard request.useType == .fillInBlank, let account else { return false }
        return request.channel == .email ? account.email != nil : account.purePhone != nil
    }

    /// Check 9: the logged-in account's own address for the channel.
    private func ownTarget(of account: MirroredAccount?, channel: Channel) -> Target? {
        switch channel {
        case .email: return account?.boundEmail.map(Target.email)
        case .sms: return account?.boundPhone
        }
    }

    /// The limits of other entities than the target, in other slots: the client IP's sends and, when the owner rule
    /// applies, its lookups; the mailbox's sends when the address folds to another; the country code's sends.
    private func foreignLimits(_ target: Target, clientIP: IPAddress?, ownerRule: AddressOwnerRule?)
        -> [SendAdmission.Limit]
    {
        let keys = settings.keys
        var limits: [SendAdmission.Limit] = []
        if let clientIP {
            let ip = clientIP.limitKey(ipv6PrefixLength: settings.abuse.ipv6PrefixLength)
            if let rule = rules.ip { limits.append(.init(kind: .ip, key: keys.ipSendCount(ip), rule: rule)) }
            if ownerRule != nil, let rule = rules.lookup {
                limits.append(.init(kind: .lookup, key: keys.ipLookupCount(ip), rule: rule))
            }
        }
        if let mailbox = target.mailbox {
            // The mailbox's own log, so that every spelling of it (plus-address, Gmail dots) shares one.
            limits.append(.init(kind: .mailbox, key: keys.sendLog(.email(mailbox)), rule: rules.mailbox))
        }
        if let countryCode = target.countryCode, let rule = rules.country {
            limits.append(.init(kind: .country, key: keys.countrySendCount(countryCode), rule: rule))
        }
        return limits
    }

    /// The limits in the target's slot: its sends, and its lock by wrong checks (read only: a locked target gets no
    /// code).
    private func targetLimits(_ target: Target) -> [SendAdmission.Limit] {
        var limits: [SendAdmission.Limit] = [
            .init(kind: .target, key: settings.keys.sendLog(target), rule: rules.target)
        ]
        if let rule = rules.lock {
            limits.append(.init(kind: .checkFailures, key: settings.keys.checkLock(target), rule: rule))
        }
        return limits
    }

    /// The last checks in one admission: budgets, the owner rule, the account's blank slot, the target's limits;
    /// then store the code's hash and queue its delivery.
    private func issue(
        _ request: SendRequest, target: Target, account: MirroredAccount?, langTag: String, clientIP: IPAddress?
    ) async throws -> SendOutcome {
        let context = OutboxEntry.sealContext(
            channel: target.channel, recipient: target.key, templateId: request.templateId)
        let (code, sealedCode) = try crypto.generateSealed(context: context)
        let entry = OutboxEntry(
            target: target, templateId: request.templateId, useType: request.useType.rawValue, langTag: langTag,
            ttl: settings.codeTTL, sealedCode: sealedCode)
        let keys = settings.keys
        let rule = ownerRule(request.useType)
        let admission = SendAdmission(
            foreign: foreignLimits(target, clientIP: clientIP, ownerRule: rule),
            targetLimits: targetLimits(target),
            owner: rule.map { ($0, keys.owner(target)) },
            bound: isBound(request, account: account),
            code: .init(
                key: keys.code(target, templateId: request.templateId), outbox: keys.outbox(OutboxShard(of: target)),
                hash: crypto.hash(code: code, target: target, templateId: request.templateId),
                ttlMs: Int64(settings.codeTTL) * 1000, fieldValues: entry.fieldValues),
            outboxCap: settings.outboxShardCap, replicaAcknowledgement: settings.replicaAcknowledgement,
            scripts: rules.scripts)
        let isEmail = target.channel == .email
        switch try await admission.run(on: redis) {
        case .addressTaken: return .refused(isEmail ? .emailUsed : .phoneUsed)
        case .addressUnknown: return .refused(.accountNotExist)
        case .bound: return .refused(isEmail ? .emailBound : .phoneBound)
        case .outboxFull:
            logger.warning("send refused: the outbox is full", metadata: ["shard": "\(OutboxShard(of: target))"])
            VerificationMetrics.outboxFull()
            return .outboxFull(retryAfter: DeliveryBacklog.retryAfterSeconds)
        case .limited(let waitMs, let kind):
            logger.info(
                "send refused by rate limit", metadata: ["target": "\(target.masked)", "limit": "\(kind.rawValue)"])
            counters.rateLimited(kind)
            return .rateLimited(retryAfter: Int(max(1, (waitMs + 999) / 1000)), by: kind)
        case .admitted(let entryId):
            counters.issued(target.channel)
            logger.info(
                "code issued",
                metadata: [
                    "target": .string(target.masked), "channel": .string(target.channel.rawValue),
                    "template": .string(String(request.templateId)),
                    "useType": .string(String(request.useType.rawValue)), "outboxId": .string(entryId),
                ])
            return .accepted
        }
    }
}
