import NIOConcurrencyHelpers
import RedisClient

/// The email domains operators block (34110), cached in each process and read again from the set when the copy is
/// older than `refresh` (5 s by default): a change reaches every instance within that time, and no send pays a
/// lookup for it. The first send of a process waits for the first read; later ones never wait, except the one
/// that finds the copy stale and reads it again.
public final class BlockedEmailDomains: Sendable {
    private let redis: RedisClient
    private let key: String
    private let refresh: Duration
    private let state = NIOLockedValueBox(State())

    private struct State {
        var domains: Set<String> = []
        var loadedAt: ContinuousClock.Instant?
        var reloading = false
    }

    /// A cache of the set at `keys.blockedEmailDomains`.
    public init(redis: RedisClient, keys: KeyLayout, refresh: Duration = .seconds(5)) {
        self.redis = redis
        self.key = keys.blockedEmailDomains
        self.refresh = refresh
    }

    /// Whether the email's domain, or one of its parent domains, is blocked. Throws only when the set was never
    /// read and Redis cannot answer.
    func isBlocked(_ email: String) async throws -> Bool {
        let now = ContinuousClock.now
        let (domains, mustLoad) = state.withLockedValue { state -> (Set<String>, Bool) in
            guard let loadedAt = state.loadedAt else { return (state.domains, true) }
            if now - loadedAt >= refresh && !state.reloading {
                state.reloading = true
                return (state.domains, true)
            }
            return (state.domains, false)
        }
        var current = domains
        if mustLoad {
            do {
                current = try await load()
            } catch {
                let neverLoaded = state.withLockedValue { state in
                    state.reloading = false
                    return state.loadedAt == nil
                }
                if neverLoaded { throw error }
            }
        }
        // Most deployments block nothing: then no candidate is made.
        return !current.isEmpty && Self.candidates(email).contains { current.contains($0) }
    }

    private func load() async throws -> Set<String> {
        let reply = try await StoreFault.about("blocked email domains") {
            try await redis.send(RedisCommand("SMEMBERS", [.string(key)]))
        }
        let domains = Set((reply.array ?? []).compactMap { $0.string?.lowercased() })
        state.withLockedValue { state in
            state.domains = domains
            state.loadedAt = .now
            state.reloading = false
        }
        return domains
    }

    /// The email's domain and its parents (`a.mail.example.com`, `mail.example.com`, `example.com`): any of them
    /// in the blocked set refuses the address.
    static func candidates(_ email: String) -> [String] {
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
}
