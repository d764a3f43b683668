import RedisClient

/// Moves owner keys written under a non-canonical target key (a phone with its trunk prefix, `4407911123456`; a
/// Unicode email domain; a local part not in NFC) to the canonical one, which may be in another shard, so in another
/// cluster slot: `SET NX` of the canonical key, then `DEL` of the old one while it still names the same account. A
/// canonical key that already exists wins. Idempotent; part of `verifyd mirror migrate`.
public struct OwnerKeyCanonicalization: Sendable {
    /// The layout whose owner keys are scanned.
    public let keys: KeyLayout

    /// A pass over the owner keys of `keys`.
    public init(keys: KeyLayout) { self.keys = keys }

    /// What a pass did.
    public struct Report: Sendable, Equatable {
        /// Owner keys looked at.
        public var scanned = 0
        /// Owner keys moved to their canonical key (or dropped because that key already named an account).
        public var moved = 0
        /// Owner keys whose target is not a valid address today; left as they are.
        public var unreadable = 0

        /// A report of nothing done yet.
        public init(scanned: Int = 0, moved: Int = 0, unreadable: Int = 0) {
            self.scanned = scanned
            self.moved = moved
            self.unreadable = unreadable
        }
    }

    /// Scans `node` (a standalone Redis, or one primary of a cluster) with SCAN and writes through `store` (the same
    /// Redis, or the cluster client), calling `progress` after each page.
    public func run(
        scanning node: RedisClient, writingThrough store: RedisClient, report: inout Report,
        progress: (Report) -> Void = { _ in }
    ) async throws {
        let scan = KeyScan(node: node, pattern: keys.prefix + "{*}:owner:*", keyKind: "mirror owner")
        try await scan.forEachPage { page in
            var moves: [(old: String, new: String)] = []
            for key in page {
                report.scanned += 1
                switch canonicalOwnerKey(of: key) {
                case nil: report.unreadable += 1
                case key?: continue
                case let canonical?: moves.append((key, canonical))
                }
            }
            try await move(moves, through: store)
            report.moved += moves.count
            progress(report)
        }
    }

    /// GET each old key; SET NX its aid on the canonical key; delete the old key while it still holds that aid.
    private func move(_ moves: [(old: String, new: String)], through store: RedisClient) async throws {
        guard !moves.isEmpty else { return }
        let aids = try await store.pipeline(moves.map { RedisCommand("GET", [.string($0.old)]) })
        var sets: [RedisCommand] = []
        var unlinks: [(String, String)] = []
        for (move, aid) in zip(moves, aids) {
            guard let aid = aid.string else { continue }  // deleted meanwhile
            sets.append(RedisCommand("SET", [.string(move.new), .string(aid), "NX"]))
            unlinks.append((move.old, aid))
        }
        let replies = try await store.pipeline(sets)
        if let error = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw StoreFault(keyKind: "mirror owner", detail: error.string ?? "error")
        }
        for (old, aid) in unlinks {
            _ = try await StoreFault.about("mirror owner") {
                try await store.eval(MirrorWriter.unlinkScript, keys: [.string(old)], arguments: [.string(aid)])
            }
        }
    }

    /// The owner key of the canonical form of the target an owner key names, or nil when it names no valid address.
    func canonicalOwnerKey(of key: String) -> String? {
        let head = keys.prefix + "{"
        guard key.hasPrefix(head), let marker = key.firstRange(of: "}:owner:") else { return nil }
        let targetKey = String(key[marker.upperBound...])
        return Self.canonicalTarget(ofKey: targetKey).map(keys.owner)
    }

    /// The canonical target of a target key: an email, or a phone's country code and number joined without a
    /// separator, which split in one way only since assigned country calling codes are prefix-free.
    static func canonicalTarget(ofKey targetKey: String) -> Target? {
        if targetKey.contains("@") {
            guard case .success(let target) = Target.parse(channel: .email, account: targetKey, countryCode: nil)
            else { return nil }
            return target
        }
        let digits = targetKey.utf8
        guard digits.count > 3, digits.count <= 3 + PhoneNumberRules.maxDigits,
            digits.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        for length in 1...3 {
            guard let code = Int(targetKey.prefix(length)), PhoneNumberRules.isAssigned(code) else { continue }
            guard
                case .success(let target) = Target.parse(
                    channel: .sms, account: String(targetKey.dropFirst(length)), countryCode: code)
            else { return nil }
            return target
        }
        return nil
    }
}
