import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import RedisClient
import VerifydHTTP

/// `verifyd`: the verification-code service.
struct Verifyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifyd",
        abstract: "Sends Fresns verification codes by email and SMS, with rate limits kept in Redis.",
        discussion: "Configuration comes from the environment; each variable also has an option.\n\n"
            + VerifydConfiguration.variables.map { "  \($0.name)\n      \($0.help)" }.joined(separator: "\n"),
        subcommands: [Serve.self, Worker.self, Mirror.self, Doctor.self],
        defaultSubcommand: Serve.self
    )
}

/// `verifyd serve`: the HTTP server (and a delivery worker unless VERIFYD_WORKER=false).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service (and a delivery worker).")
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let (services, logger) = try options.services()
        logger.info(
            "verifyd serving",
            metadata: [
                "address": "\(services.configuration.host):\(services.configuration.port)",
                "redis": "\(services.configuration.redis.redacted)",
                "email": "\(services.configuration.driverSummary.email)", "sms": "\(services.configuration.driverSummary.sms)",
                "worker": "\(services.configuration.runWorker)",
            ])
        try await services.serveGroup().run()
    }
}

/// `verifyd worker`: only the delivery worker.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run only a delivery worker on the outbox.")
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let (services, logger) = try options.services()
        logger.info("verifyd worker", metadata: ["redis": "\(services.configuration.redis.redacted)"])
        try await services.workerGroup().run()
    }
}
