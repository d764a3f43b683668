import RedisClient

/// The keys of one node that match a pattern, page by page (`SCAN … MATCH … COUNT 1000`), for the mirror's
/// migrations.
struct KeyScan {
    let node: RedisClient
    let pattern: String
    /// The kind of key a `StoreFault` names when a reply is not a SCAN page.
    let keyKind: String

    /// Calls `page` with the keys of each page until the cursor comes back to 0.
    func forEachPage(_ page: ([String]) async throws -> Void) async throws {
        var cursor = "0"
        repeat {
            let reply = try await node.send(
                RedisCommand("SCAN", [.string(cursor), "MATCH", .string(pattern), "COUNT", 1000]))
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw StoreFault(keyKind: keyKind, detail: "unexpected SCAN reply")
            }
            try await page((parts[1].array ?? []).compactMap(\.string))
            cursor = next
        } while cursor != "0"
    }
}
