/// The entries a worker holds (delivering, waiting to retry, or waiting to record their outcome), so it reads no
/// more than it can work on and keeps them from being taken over by another worker.
actor HeldEntries {
    private(set) var ids: Set<String> = []
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    /// How many entries are held.
    var count: Int { ids.count }

    /// Holds `id`; false when it is already held (a claim of an entry this worker is still delivering).
    func add(_ id: String) -> Bool { ids.insert(id).inserted }

    /// Lets go of `id`, waking whoever waits for room.
    func remove(_ id: String) {
        ids.remove(id)
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
