import NIOCore

/// Runs a task's jobs on one event loop: a request's task, started with this as its executor preference, runs its
/// nonisolated code (the use case, the Redis client's awaits) on its connection's event loop instead of hopping to
/// the cooperative pool and back for each await.
final class LoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    /// An executor for `loop`.
    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
