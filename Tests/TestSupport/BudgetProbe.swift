import RedisClient

/// Reads a window-counter budget (`verify:{ip:…}:sent` and the like) the way an operator would with `redis-cli GET`.
public enum BudgetProbe {
    /// The events its first pair counts in its current and previous windows (0 when the key is absent): the sends a
    /// test made, even when a window boundary fell between them.
    public static func count(_ store: RedisClient, _ key: String) async throws -> Int {
        let reply = try await store.send("GET", .string(key))
        guard let text = reply.string, let first = text.split(separator: ",").first else { return 0 }
        let parts = first.split(separator: ":").compactMap { Int($0) }
        return parts.count == 3 ? parts[1] + parts[2] : 0
    }
}
