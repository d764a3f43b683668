import ArgumentParser
import Logging
import RedisClient
import ServiceLifecycle
import SettingKit
import VerifydApp
import VerifydHTTP

/// `verifyd`: the verification-code service.
struct Verifyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifyd",
        abstract: "Sends Fresns verification codes by email and SMS, with rate limits kept in Redis.",
        discussion: settingsHelp(SettingGroup.all),
        subcommands: [Serve.self, Worker.self, Mirror.self, Keys.self, Domains.self, Doctor.self, Config.self],
        defaultSubcommand: Serve.self
    )
}

/// `verifyd serve`: the HTTP server (and a delivery worker unless VERIFYD_WORKER=false).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (and a delivery worker).", discussion: settingsHelp(SettingGroup.all))
    @OptionGroup var options: SettingArguments

    func run() async throws {
        let (services, logger) = try options.services(SettingGroup.all)
        let configuration = services.configuration
        logger.info(
            "verifyd serving",
            metadata: [
                "address": "\(configuration.http.host):\(configuration.http.port)",
                "redis": "\(configuration.redis.redacted)",
                "email": "\(configuration.driverSummary.email)", "sms": "\(configuration.driverSummary.sms)",
                "worker": "\(configuration.runWorker)",
            ])
        try await services.serveGroup().run()
    }
}

/// `verifyd worker`: only the delivery worker.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only a delivery worker on the outbox.", discussion: settingsHelp(SettingGroup.worker))
    @OptionGroup var options: SettingArguments

    func run() async throws {
        let (services, logger) = try options.services(SettingGroup.worker)
        logger.info("verifyd worker", metadata: ["redis": "\(services.configuration.redis.redacted)"])
        try await services.workerGroup().run()
    }
}

/// `verifyd config`: the effective configuration, secrets redacted; `--markdown` prints the docs table.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration (secrets redacted), or with --markdown the table of settings.",
        discussion: settingsHelp(SettingGroup.all))
    @Flag(help: "print every setting as the Markdown table of docs/configuration.md") var markdown = false
    @OptionGroup var options: SettingArguments

    func run() async throws {
        if markdown {
            print(VerifydConfiguration.catalog.markdown(), terminator: "")
            return
        }
        let (_, reader) = options.read(SettingGroup.all)
        print(SettingsCatalog.effective(reader.entries))
        try SettingArguments.exitOnProblems(reader)
    }
}
