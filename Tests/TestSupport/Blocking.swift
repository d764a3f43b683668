import Foundation
import Verification

/// Blocking work for tests on threads of its own, so that it never holds a thread of Swift's cooperative pool.
///
/// The tests' in-process servers answer on that pool, which has one thread per core (two here) and which every test
/// of the run shares. A test that waited there (for `stack.sh`, a `verifyd` command, openssl, a socket read) held a
/// thread for seconds and stalled every in-process server meanwhile: CI failed on HTTPChannelTests that way.
///
/// Child processes also take turns, at most two at a time: run all at once, they loaded the machine so much in the
/// first seconds of a run that Redis clients of other tests timed out connecting.
public enum Blocking {
    private static let processTurns = ConcurrencyLimiter(limit: 2)

    /// Runs a child process to its exit (`work` starts it and waits), once one of the two turns is free.
    public static func childProcess<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws
        -> Value
    {
        try await processTurns.run { try await wait(work) }
    }

    /// Runs `work`, which waits (a read with a timeout), on a new thread.
    public static func wait<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
