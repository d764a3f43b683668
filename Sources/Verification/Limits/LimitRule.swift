/// One limit as the scripts know it: the name a call gives for it, how its events are kept, which events it counts,
/// and its pairs. A script is built with the rules of its deployment compiled in (`LimitLua.functions(for:)`), so
/// that a call names its limits instead of sending their numbers. A class: every limit of every send refers to one
/// of the deployment's few rules, and a reference is copied with one retain, not one per field.
final class LimitRule: Sendable {
    /// How the events are kept (`LimitLua`).
    enum Store: String, Sendable {
        /// The exact times of recent events, for small counts.
        case log
        /// Two fixed-window counts per pair, for large counts over many keys.
        case counter
        /// A key whose TTL is the time left (read only): a target locked by its wrong checks.
        case lock
    }

    /// Which events count.
    enum Counts: String, Sendable {
        /// Admitted sends.
        case send
        /// Requests that reach the address owner rule.
        case lookup
        /// Wrong checks (the check script's log), or nothing (a lock, read only).
        case check
    }

    /// The name the scripts know the rule by (letters, digits and `_`).
    let name: String
    let store: Store
    let counts: Counts
    let pairs: [RateLimit]

    init(name: String, store: Store, counts: Counts, pairs: [RateLimit]) {
        self.name = name
        self.store = store
        self.counts = counts
        self.pairs = pairs
    }

    /// How long the key lives after a write, in ms: a log its longest window, a counter twice that (its previous
    /// window still counts), a lock nothing (its TTL is written by the check script).
    var keyTTLMs: Int64 {
        let widest = Int64(pairs.map(\.window).max() ?? 0) * 1000
        switch store {
        case .log: return widest
        case .counter: return 2 * widest
        case .lock: return 0
        }
    }
}
