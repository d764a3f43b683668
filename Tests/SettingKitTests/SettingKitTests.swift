import Testing

@testable import SettingKit

/// Declared settings: parsing, precedence, every problem at once, redaction, the derived option names.
@Suite struct SettingKitTests {
    static let port = Setting<Int>.integer("VERIFYD_PORT", group: .http, default: 8080, in: 0...65535, help: "port")
    static let backoff = Setting<Duration>.duration(
        "VERIFYD_DELIVERY_BACKOFF", group: .delivery, default: .seconds(1), in: .milliseconds(10)...(.seconds(600)),
        help: "backoff")
    static let worker = Setting<Bool>.flag("VERIFYD_WORKER", group: .delivery, default: true, help: "worker")
    static let secret = Setting<String?>.text("VERIFYD_CODE_SECRET", group: .send, secrecy: .secret, help: "secret")
    static let url = Setting<String?>.text("VERIFYD_REDIS_URL", group: .redis, secrecy: .urlCredentials, help: "url")

    @Test func optionNamesComeFromTheVariable() {
        #expect(Self.port.info.option == "--port")
        #expect(Self.backoff.info.option == "--delivery-backoff")
    }

    @Test func unsetGivesTheDefaultAndAnOptionBeatsTheEnvironment() {
        var unset = SettingsReader(environment: [:])
        #expect(unset(Self.port) == 8080)
        var both = SettingsReader(environment: ["VERIFYD_PORT": "9000"], options: ["VERIFYD_PORT": "9001"])
        #expect(both(Self.port) == 9001)
        var blank = SettingsReader(environment: ["VERIFYD_PORT": "  "])
        #expect(blank(Self.port) == 8080 && blank.problems.isEmpty)
    }

    @Test func everyProblemIsReportedWithItsVariable() {
        var reader = SettingsReader(environment: [
            "VERIFYD_PORT": "99999", "VERIFYD_DELIVERY_BACKOFF": "5h", "VERIFYD_WORKER": "maybe",
        ])
        #expect(reader(Self.port) == 8080)
        #expect(reader(Self.backoff) == .seconds(1))
        #expect(reader(Self.worker) == true)
        #expect(reader.problems.count == 3)
        #expect(reader.problems[0] == "VERIFYD_PORT: expected an integer in 0...65535, got 99999")
        #expect(reader.problems[1].hasPrefix("VERIFYD_DELIVERY_BACKOFF: expected a duration"))
        #expect(reader.problems[2] == "VERIFYD_WORKER: expected true or false, got maybe")
    }

    @Test func durationsTakeUnits() {
        for (text, expected) in [
            ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1m", .seconds(60)),
            ("1500", .milliseconds(1500)),
        ] {
            var reader = SettingsReader(environment: ["VERIFYD_DELIVERY_BACKOFF": text])
            #expect(reader(Self.backoff) == expected, "\(text)")
        }
        #expect(Setting<Duration>.describe(.milliseconds(500)) == "500ms")
        #expect(Setting<Duration>.describe(.seconds(90)) == "90s")
        #expect(Setting<Duration>.describe(.seconds(3600)) == "60m", "hours only from a day on")
        #expect(Setting<Duration>.describe(.seconds(7 * 86400)) == "7d")
        #expect(Setting<Duration>.describe(.seconds(36 * 3600)) == "36h")
    }

    @Test func longDurationsTakeHoursAndDays() {
        let retention = Setting<Duration>.duration(
            "VERIFYD_DEAD_LETTER_RETENTION", group: .delivery, default: .seconds(60),
            in: .seconds(60)...(.seconds(365 * 86400)), help: "retention")
        for (text, expected) in [("1h", Duration.seconds(3600)), ("7d", .seconds(7 * 86400)), ("90m", .seconds(5400))] {
            var reader = SettingsReader(environment: ["VERIFYD_DEAD_LETTER_RETENTION": text])
            #expect(reader(retention) == expected, "\(text)")
        }
    }

    @Test func secretsAndURLPasswordsAreRedacted() {
        var reader = SettingsReader(environment: [
            "VERIFYD_CODE_SECRET": "s3cret-s3cret-s3cret", "VERIFYD_REDIS_URL": "redis://app:p%40ss@db:6379/0",
        ])
        _ = reader(Self.secret)
        _ = reader(Self.url)
        _ = reader(Self.port)
        let printed = SettingsCatalog.effective(reader.entries)
        #expect(!printed.contains("s3cret") && !printed.contains("p%40ss"))
        #expect(printed.contains("VERIFYD_CODE_SECRET=<redacted>"))
        #expect(printed.contains("VERIFYD_REDIS_URL=redis://app:***@db:6379/0"))
        #expect(printed.contains("# VERIFYD_PORT=8080 (default)"))
    }

    @Test func commandLineOptionsInBothFormsAndTheirProblems() throws {
        let known = [Self.port.info, Self.url.info]
        let values = try SettingOptions.parse(["--port", "1", "--redis-url=redis://x:1,y"], known: known).get()
        #expect(values == ["VERIFYD_PORT": "1", "VERIFYD_REDIS_URL": "redis://x:1,y"])
        guard case .failure(let error) = SettingOptions.parse(["--nope", "1", "stray", "--port"], known: known) else {
            Issue.record("expected problems")
            return
        }
        #expect(
            error.problems == [
                "unknown option --nope (see --help)", "unexpected argument 1", "unexpected argument stray",
                "--port: missing value",
            ])
    }

    @Test func theMarkdownTableHasOneRowPerSettingUnderItsGroup() {
        let table = SettingsCatalog([Self.port.info, Self.secret.info]).markdown()
        #expect(table.contains("### HTTP server") && table.contains("### Sending codes"))
        #expect(table.contains("| `VERIFYD_PORT` | `--port` | integer 0…65535 | 8080 | port |"))
        #expect(table.contains("Secret: never printed."))
    }
}
