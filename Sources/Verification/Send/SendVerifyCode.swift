import Logging
import RedisClient

/// The send-verify-code use case: Fresns' checks in Fresns' order, then one atomic script.
///
/// Redis round trips: an anonymous send costs exactly one (the script also checks the email domain and the
/// address owner). A logged-in send costs two: the lookups (token, account, address owner, blocked email domain)
/// pipelined together, then the script.
public struct SendVerifyCode: Sendable {
    let redis: RedisClient
    let settings: SendSettings
    let crypto: CodeCrypto
    let templates: TemplateStore
    let logger: Logger
    let backlog: DeliveryBacklog?
    private var mirror: AccountMirror { AccountMirror(keys: settings.keys) }

    /// The use case on a running Redis client; with a `backlog`, a channel that cannot deliver in time refuses.
    public init(
        redis: RedisClient, settings: SendSettings, crypto: CodeCrypto, templates: TemplateStore, logger: Logger,
        backlog: DeliveryBacklog? = nil
    ) {
        self.backlog = backlog
        self.redis = redis
        self.settings = settings
        self.crypto = crypto
        self.templates = templates
        self.logger = logger
    }

    /// Runs every check after parsing (login, channel and template, format, domain, ownership, limits); `langTag` is the client's language tag (for the template).
    /// Throws `RedisError` when Redis cannot answer.
    public func send(_ request: SendRequest, session: Session, langTag: String?, clientIP: IPAddress? = nil)
        async throws
        -> SendOutcome
    {
        let formatted = checkChannelAndFormat(request)
        if session.aid == nil, request.useType.needsLogin { return .refused(.notLoggedIn) }

        var commands: [RedisCommand] = []
        var loginAt: Int?
        if let aid = session.aid {
            guard let token = session.token else { return .refused(.tokenMissing) }
            guard Session.isPlausibleAid(aid), Session.isPlausibleToken(token) else { return .refused(.tokenInvalid) }
            loginAt = commands.count
            commands += mirror.loginCommands(aid: aid, token: token)
        }
        // Anonymous sends leave the address checks to the script: one round trip in all.
        let inScript = session.aid == nil
        var ownerAt: Int?
        if !inScript, case .success(let target?) = formatted, ownerRule(request.useType) != nil {
            ownerAt = commands.count
            commands.append(mirror.ownerCommand(target))
        }
        var domainAt: Int?
        if !inScript, case .success(let target?) = formatted, target.channel == .email {
            domainAt = commands.count
            commands.append(
                RedisCommand(
                    "SMISMEMBER",
                    [.string(settings.keys.blockedEmailDomains)] + Self.domainCandidates(target.key).map { .string($0) }
                ))
        }
        let replies = commands.isEmpty ? [] : try await redis.pipeline(commands)
        if let error = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw RedisError.server(error.string ?? "error")
        }

        var account: MirroredAccount?
        if let loginAt, let aid = session.aid {
            guard replies[loginAt].int == 1 else { return .refused(.tokenInvalid) }
            guard let found = AccountMirror.account(aid: aid, from: replies[loginAt + 1]) else {
                return .refused(.accountNotFound)
            }
            account = found
        }
        if request.useType.needsLogin, account == nil { return .refused(.notLoggedIn) }

        let target: Target
        switch formatted {
        case .failure(let code): return .refused(code)
        case .success(let given?):
            if let domainAt, replies[domainAt].array?.contains(where: { $0.int == 1 }) == true {
                return .refused(.emailDomain)
            }
            let owned = ownerAt.map { replies[$0].int == 1 }
            if let refusal = checkOwnership(request, target: given, owned: owned, account: account) {
                return .refused(refusal)
            }
            target = given
        case .success(nil):
            guard let own = ownTarget(of: account, channel: request.channel) else { return .refused(.parameterError) }
            target = own
        }
        let tag = langTag.flatMap { LanguageTag.isValid($0) ? $0 : nil } ?? ""
        let guards =
            inScript
            ? AddressGuards(
                domains: target.channel == .email ? Self.domainCandidates(target.key) : [],
                owner: ownerRule(request.useType)
            ) : AddressGuards()
        if backlog?.isBacklogged(target.channel) == true {
            VerificationMetrics.backlogged(target.channel)
            return .backlogged(retryAfter: DeliveryBacklog.retryAfterSeconds)
        }
        return try await issue(request, target: target, langTag: tag, clientIP: clientIP, guards: guards)
    }

    /// Checks 3–5, which need no lookup: channel configured (and its template usable: 33200), country code
    /// given, address format.
    /// Success carries the target, or nil for useType 4 (whose target is the account's own address).
    func checkChannelAndFormat(_ request: SendRequest) -> Result<Target?, ResultCode> {
        guard settings.enabledChannels.contains(request.channel) else { return .failure(.noProvider) }
        guard templates.isUsable(request.templateId, request.channel) else { return .failure(.templateUnavailable) }
        if request.useType == .authentication { return .success(nil) }
        guard let account = request.account else { return .failure(.parameterMissing) }
        switch request.channel {
        case .email:
            guard let email = AddressFormat.email(account) else { return .failure(.emailFormat) }
            return .success(.email(email))
        case .sms:
            guard let countryCode = request.countryCode else { return .failure(.parameterMissing) }
            guard let number = AddressFormat.phone(account) else { return .failure(.phoneFormat) }
            guard AddressFormat.isCountryCode(countryCode) else { return .failure(.countryCode) }
            if let allowed = settings.abuse.smsCountryCodes, !allowed.contains(countryCode) {
                return .failure(.countryCode)
            }
            return .success(.phone(countryCode: countryCode, number: number))
        }
    }

    /// Whether the address must be free or taken for this use, or nil when its owner does not matter.
    private func ownerRule(_ useType: UseType) -> AddressGuards.OwnerRule? {
        switch useType {
        case .newAccount, .fillInBlank: return .free
        case .existingAccount: return settings.loginOrRegister ? nil : .taken
        case .authentication, .direct: return nil
        }
    }

    /// Checks 6–8: the address is free (1, 3), taken (2), and the account's slot is blank (3).
    private func checkOwnership(_ request: SendRequest, target: Target, owned: Bool?, account: MirroredAccount?)
        -> ResultCode?
    {
        let isEmail = request.channel == .email
        switch request.useType {
        case .newAccount, .fillInBlank:
            if owned == true { return isEmail ? .emailUsed : .phoneUsed }
            if request.useType == .fillInBlank, let account {
                if isEmail, account.email != nil { return .emailBound }
                if !isEmail, account.purePhone != nil { return .phoneBound }
            }
        case .existingAccount:
            if owned == false { return .accountNotExist }
        case .authentication, .direct:
            break
        }
        return nil
    }

    /// Check 9: the logged-in account's own address for the channel.
    private func ownTarget(of account: MirroredAccount?, channel: Channel) -> Target? {
        switch channel {
        case .email: return account?.boundEmail.map(Target.email)
        case .sms: return account?.boundPhone
        }
    }

    /// The email's domain and its parents (`a.mail.example.com`, `mail.example.com`, `example.com`): any of them
    /// in the blocked set refuses the address.
    static func domainCandidates(_ email: String) -> [String] {
        let at = email.utf8.lastIndex(of: UInt8(ascii: "@")).map { email.utf8.index(after: $0) } ?? email.startIndex
        var domain = email[at...]
        var candidates = [String(domain)]
        while let dot = domain.utf8.firstIndex(of: UInt8(ascii: ".")) {
            let parent = domain[domain.utf8.index(after: dot)...]
            guard parent.utf8.contains(UInt8(ascii: ".")) else { break }
            candidates.append(String(parent))
            domain = parent
        }
        return candidates
    }

    /// The send logs the script checks and writes: the target's, the client IP's, the country code's.
    private func sendLogs(_ target: Target, clientIP: IPAddress?) -> [(
        kind: LimitKind, key: String, limits: [RateLimit]
    )] {
        var logs: [(LimitKind, String, [RateLimit])] = [(.target, settings.keys.sendLog(target), settings.limits)]
        if let clientIP, !settings.abuse.ipLimits.isEmpty {
            logs.append((.ip, settings.keys.ipSendLog(clientIP.limitKey), settings.abuse.ipLimits))
        }
        if let countryCode = target.countryCode, !settings.abuse.countryLimits.isEmpty {
            logs.append((.country, settings.keys.countrySendLog(countryCode), settings.abuse.countryLimits))
        }
        return logs
    }

    /// The last checks in one script: every rate limit, then store the code's hash and queue its delivery.
    private func issue(
        _ request: SendRequest, target: Target, langTag: String, clientIP: IPAddress?, guards: AddressGuards
    ) async throws -> SendOutcome {
        let code = crypto.generate()
        let context = OutboxEntry.sealContext(
            channel: target.channel, recipient: target.key, templateId: request.templateId)
        let entry = OutboxEntry(
            target: target, templateId: request.templateId, useType: request.useType.rawValue, langTag: langTag,
            ttl: settings.codeTTL, sealedCode: try crypto.seal(code: code, context: context))
        let logs = sendLogs(target, clientIP: clientIP)
        var arguments: [RedisArgument] = [
            .string(crypto.hash(code: code, target: target, templateId: request.templateId)),
            .integer(Int64(settings.codeTTL) * 1000), .integer(Int64(logs.count)),
            .integer(Int64(guards.domains.count)),
        ]
        arguments += guards.domains.map { .string($0) }
        arguments += [.string(guards.owner == nil ? "" : target.key), .string(guards.owner?.rawValue ?? "")]
        for log in logs {
            arguments.append(.integer(Int64(log.limits.count)))
            for limit in log.limits {
                arguments += [.integer(Int64(limit.count)), .integer(Int64(limit.window) * 1000)]
            }
        }
        for pair in entry.fields { arguments += [.string(pair.field), .string(pair.value)] }
        let keys: [RedisArgument] =
            [
                .string(settings.keys.code(target, templateId: request.templateId)), .string(settings.keys.outbox),
                .string(settings.keys.blockedEmailDomains),
                .string(target.channel == .email ? settings.keys.emailIndex : settings.keys.phoneIndex),
            ] + logs.map { .string($0.key) }
        let reply = try await redis.eval(SendScript.script, keys: keys, arguments: arguments)
        guard let parts = reply.array, let status = parts.first?.int else {
            throw RedisError.protocolError("unexpected send script reply")
        }
        switch status {
        case 2: return .refused(.emailDomain)
        case 3: return .refused(target.channel == .email ? .emailUsed : .phoneUsed)
        case 4: return .refused(.accountNotExist)
        case 0 where parts.count >= 2, 1 where parts.count >= 2: break
        default: throw RedisError.protocolError("unexpected send script reply")
        }
        if status == 1 {
            let waitMs = parts[1].int ?? 1000
            let index = Int(parts.count > 2 ? parts[2].int ?? 1 : 1) - 1
            let kind = logs.indices.contains(index) ? logs[index].kind : .target
            logger.info(
                "send refused by rate limit", metadata: ["target": "\(target.masked)", "limit": "\(kind.rawValue)"])
            VerificationMetrics.rateLimited(kind)
            return .rateLimited(retryAfter: Int(max(1, (waitMs + 999) / 1000)), by: kind)
        }
        VerificationMetrics.issued(target.channel)
        logger.info(
            "code issued",
            metadata: [
                "target": "\(target.masked)", "channel": "\(target.channel.rawValue)",
                "template": "\(request.templateId)", "useType": "\(request.useType.rawValue)",
                "outboxId": "\(parts[1].string ?? "")",
            ])
        return .accepted
    }
}
