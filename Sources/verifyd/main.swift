import ArgumentParser
import NIOCore
import NIOPosix

// Swift Concurrency runs on NIO's event loops: a request's task, its socket and its Redis connection share
// threads, instead of hopping to the global pool and back at every await. Nothing in verifyd blocks a thread
// (SMTP, log writes and file reads run on NIOThreadPools), so the loops stay free for I/O.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
await runCommand()

/// ArgumentParser's async entry point (an async context picks it over the synchronous `main()`).
func runCommand() async { await Verifyd.main() }
