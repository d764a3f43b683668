import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to its exit without Foundation's `Process`, whose exit detection waits for every process
/// that inherited its descriptors — a script that starts daemons would never be seen to exit.
public enum Spawn {
    /// Runs `arguments` (the first is an absolute path) with `environment`, output to /dev/null; the exit status.
    /// A child process of `Blocking` (its own thread, two at a time).
    public static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        try await Blocking.childProcess { try runToExit(arguments, environment: environment) }
    }

    private static func runToExit(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Close every inherited descriptor above 2 (the test runner's sockets) before running the command.
        let closing =
            #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"; done; exec "$@""#
        let command = ["/bin/bash", "-c", closing, "spawn"] + arguments
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // Default signal handling and an empty mask: the test runner ignores some signals (SIGTERM while it
        // traps it), and ignored signals would stay ignored in every daemon the command starts.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw TestFailure("posix_spawn \(arguments[0]) failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status >> 8) & 0xFF
    }
}
