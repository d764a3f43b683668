import Synchronization

/// The entries a worker holds (delivering, waiting to retry, or waiting to record their outcome), so it reads no
/// more than it can work on and keeps them from being taken over by another worker. Shared by every shard's loop.
///
/// A lock, not an actor: every delivery adds and removes its entry, and an actor would cost each of them two hops
/// between executors.
final class HeldEntries: Sendable {
    /// An entry of one shard's stream (ids are unique only within a stream).
    struct ID: Hashable, Sendable {
        var shard: Int
        var id: String
    }

    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>
    }

    private struct State {
        var held: Set<ID> = []
        var waiting: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// How many entries are held.
    var count: Int { state.withLock { $0.held.count } }

    /// How many callers wait for room.
    var waiters: Int { state.withLock { $0.waiting.count } }

    /// The ids held from one shard's stream.
    func ids(of shard: OutboxShard) -> [String] {
        state.withLock { $0.held.filter { $0.shard == shard.index }.map(\.id) }
    }

    /// Holds an entry; false when it is already held (a claim of an entry this worker is still delivering).
    func add(_ id: String, of shard: OutboxShard) -> Bool {
        state.withLock { $0.held.insert(ID(shard: shard.index, id: id)).inserted }
    }

    /// Lets go of an entry, waking whoever waits for room.
    func remove(_ id: String, of shard: OutboxShard) {
        remove([id], of: shard)
    }

    /// Lets go of entries of one shard, waking whoever waits for room.
    func remove(_ ids: [String], of shard: OutboxShard) {
        let woken = state.withLock { state in
            for id in ids { state.held.remove(ID(shard: shard.index, id: id)) }
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in woken {
            waiter.timer.cancel()
            waiter.continuation.resume()
        }
    }

    /// Returns once fewer than `limit` entries are held, or after `timeout` at the latest.
    func waitBelow(_ limit: Int, timeout: Duration) async {
        guard count >= limit else { return }
        await withCheckedContinuation { continuation in
            let registered = state.withLock { state -> Bool in
                guard state.held.count >= limit else { return false }
                let number = state.nextWaiter
                state.nextWaiter += 1
                // Its wake takes this lock, so it cannot act before the waiter below is registered.
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.wake(number)
                }
                state.waiting[number] = Waiter(continuation: continuation, timer: timer)
                return true
            }
            if !registered { continuation.resume() }
        }
    }

    private func wake(_ number: Int) {
        state.withLock { $0.waiting.removeValue(forKey: number) }?.continuation.resume()
    }
}
