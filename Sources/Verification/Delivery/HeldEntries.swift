/// The entries a worker holds (delivering, waiting to retry, or waiting to record their outcome), so it reads no
/// more than it can work on and keeps them from being taken over by another worker. Shared by every shard's loop.
actor HeldEntries {
    /// An entry of one shard's stream (ids are unique only within a stream).
    struct ID: Hashable, Sendable {
        var shard: Int
        var id: String
    }

    private var held: Set<ID> = []
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    /// How many entries are held.
    var count: Int { held.count }

    /// The ids held from one shard's stream.
    func ids(of shard: OutboxShard) -> [String] { held.filter { $0.shard == shard.index }.map(\.id) }

    /// Holds an entry; false when it is already held (a claim of an entry this worker is still delivering).
    func add(_ id: String, of shard: OutboxShard) -> Bool { held.insert(ID(shard: shard.index, id: id)).inserted }

    /// Lets go of an entry, waking whoever waits for room.
    func remove(_ id: String, of shard: OutboxShard) {
        held.remove(ID(shard: shard.index, id: id))
        wakeAll()
    }

    /// Returns once fewer than `limit` entries are held, or after `timeout` at the latest.
    func waitBelow(_ limit: Int, timeout: Duration) async {
        guard count >= limit else { return }
        let waiter = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.wake(waiter)
        }
        await withCheckedContinuation { waiting[waiter] = $0 }
        timer.cancel()
    }

    private func wake(_ waiter: Int) { waiting.removeValue(forKey: waiter)?.resume() }

    private func wakeAll() {
        let all = waiting.values
        waiting.removeAll()
        for waiter in all { waiter.resume() }
    }
}
