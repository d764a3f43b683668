import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SettingKit
import VerifydApp
import VerifydHTTP

/// The settings given on the command line (`--redis-url URL`); each overrides the variable of the same name.
struct SettingArguments: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: "settings as --name value; see the list below")
    var settings: [String] = []

    /// The configuration of `groups` from the environment and these arguments, or exit 64 naming every problem.
    func load(_ groups: Set<SettingGroup>) throws -> VerifydConfiguration {
        let (configuration, reader) = read(groups)
        try Self.exitOnProblems(reader)
        return configuration
    }

    /// The configuration and what was read; the options' own problems (unknown option, missing value) come first.
    func read(_ groups: Set<SettingGroup>) -> (VerifydConfiguration, SettingsReader) {
        let options = SettingOptions.parse(settings, known: VerifydConfiguration.catalog.settings)
        var (configuration, reader) = VerifydConfiguration.read(
            environment: ProcessInfo.processInfo.environment, options: (try? options.get()) ?? [:], groups: groups)
        if case .failure(let error) = options { reader.prepend(problems: error.problems) }
        return (configuration, reader)
    }

    /// Prints every problem as a `configuration error:` line and exits with status 64, if there is any.
    static func exitOnProblems(_ reader: SettingsReader) throws {
        guard !reader.problems.isEmpty else { return }
        FileHandle.standardError.write(Data((SettingsError(problems: reader.problems).description + "\n").utf8))
        throw ExitCode(64)
    }

    /// The process's services, with logging and metrics bootstrapped, or exit 64 naming every problem.
    func services(_ groups: Set<SettingGroup>) throws -> (VerifydServices, Logger) {
        let configuration = try load(groups)
        bootstrapLogging(configuration)
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5),
        ]
        // Seconds from a send's 200 to the provider's acceptance: a person waits for this.
        factory.valueHistogramBuckets["verifyd_delivery_wait_seconds"] = [
            0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
        ]
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "verifyd")
        if configuration.dev, configuration.usesDevelopmentSecret {
            logger.warning(
                "VERIFYD_DEV=1 without VERIFYD_CODE_SECRET: using the development secret; never in production")
        }
        do {
            var services = try VerifydServices(configuration: configuration, logger: logger)
            services.metrics = registry
            return (services, logger)
        } catch {
            FileHandle.standardError.write(Data("configuration error: VERIFYD_TEMPLATES: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }

    private func bootstrapLogging(_ configuration: VerifydConfiguration) {
        let level = configuration.logLevel
        if configuration.logJSON {
            LoggingSystem.bootstrap(
                { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
                metadataProvider: RequestID.metadataProvider)
        } else {
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: RequestID.metadataProvider)
        }
    }
}

extension SettingGroup {
    /// Everything `serve` (and `doctor`, `config`) reads.
    static let all = Set(SettingGroup.allCases)
    /// What a delivery worker reads.
    static let worker: Set<SettingGroup> = [.redis, .send, .delivery, .email, .sms, .logging]
    /// What the mirror tools read.
    static let mirror: Set<SettingGroup> = [.redis]
}

/// `--help` text: the settings of `groups`.
func settingsHelp(_ groups: Set<SettingGroup>) -> String {
    "Settings come from the environment; each variable also has an option, which wins.\n\n"
        + SettingsCatalog(VerifydConfiguration.catalog.settings.filter { groups.contains($0.group) }).helpText()
}
