import Logging
import NIOPosix
import ServiceLifecycle
import UnixSignals
import Verification

/// Reloads the templates file on SIGHUP; an invalid file is reported and the templates in force stay.
struct TemplateReloader: Service {
    let store: TemplateStore
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let path = store.path else {
                logger.notice("SIGHUP: no VERIFYD_TEMPLATES file to reload (built-in templates in use)")
                continue
            }
            do {
                let store = self.store
                try await NIOThreadPool.singleton.runIfActive { try store.reload() }  // file I/O off the event loops
                logger.notice("templates reloaded", metadata: ["path": "\(path)"])
            } catch {
                logger.error("templates not reloaded; the previous ones stay in force", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension TemplateReloader: CustomStringConvertible {
    /// Only the name, as services are listed in ServiceLifecycle's logs.
    var description: String { "TemplateReloader" }
}
