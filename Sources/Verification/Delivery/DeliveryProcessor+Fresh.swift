/// Entries read together for their first attempt, worked on together where that saves round trips and log lines.
extension DeliveryProcessor {
    /// Delivers new entries of one stream, read together. Their codes are checked in one round trip, and superseded
    /// ones dropped in one script call. A batch driver (`log`) gets each channel's messages in one call, and they
    /// are settled together and logged in one line. Every other driver gets a call per message, all at once up to
    /// its limit, each settled on its own. `finished` is told the ids of entries whose processing is over (after
    /// retries, if any).
    func processFresh(
        _ entries: [OutboxStream.Entry], on stream: OutboxStream, finished: @escaping @Sendable ([String]) -> Void
    ) async {
        var ready: [Prepared] = []
        ready.reserveCapacity(entries.count)
        for entry in entries {
            switch prepare(entry) {
            case .failure(let failure):
                await deadLetter(entry, failure, on: stream)
                finished([entry.id])
            case .success(let item):
                ready.append(item)
            }
        }
        // Ids only grow within a stream: the last entry read is the youngest.
        guard let youngest = ready.last else { return }
        await waitOutWithdrawal(of: youngest.entry)
        let current = await areCurrent(ready, on: stream)
        var live: [Prepared] = []
        var superseded: [Prepared] = []
        for (item, isCurrent) in zip(ready, current) {
            if isCurrent { live.append(item) } else { superseded.append(item) }
        }
        if !superseded.isEmpty {
            await dropSuperseded(superseded, on: stream)
            finished(superseded.map(\.entry.id))
        }
        let channels = Channel.allCases.map { channel in live.filter { $0.message.channel == channel } }
            .filter { !$0.isEmpty }
        // One channel's entries (the common case) go on in this task; several channels' at once.
        if channels.count == 1 { return await deliverFresh(channels[0], on: stream, finished: finished) }
        await withDiscardingTaskGroup { group in
            for items in channels { group.addTask { await deliverFresh(items, on: stream, finished: finished) } }
        }
    }

    /// Delivers one channel's new entries: to a batch driver in one call, to any other driver a call per message,
    /// all at once up to its limit, each retried on its own.
    private func deliverFresh(
        _ items: [Prepared], on stream: OutboxStream, finished: @escaping @Sendable ([String]) -> Void
    ) async {
        guard let driver = items.first?.driver else { return }
        if let batchDriver = driver as? any BatchDeliveryDriver {
            await deliverTogether(items, by: batchDriver, on: stream)
            return finished(items.map(\.entry.id))
        }
        await withDiscardingTaskGroup { group in
            for item in items {
                group.addTask {
                    let outcome = await deliver(item, attempt: 1, on: stream)
                    await retryUntilDone(item.entry, after: 1, outcome, on: stream)
                    finished([item.entry.id])
                }
            }
        }
    }
}
