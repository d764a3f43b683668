import SettingKit
import Verification

/// The delivery worker: retries, concurrency, take-over of stranded entries, and the templates it renders.
enum DeliveryGroup {
    /// The defaults, kept by the worker.
    private static let defaults = DeliveryWorker.Settings()
    static let backoff = Setting<Duration>.duration(
        "VERIFYD_DELIVERY_BACKOFF", group: .delivery, default: defaults.retry.base,
        in: .milliseconds(10)...(.seconds(600)),
        help: "first retry delay, doubling after each failure (up to 30s, or the first delay if longer)")
    static let maxAttempts = Setting<Int>.integer(
        "VERIFYD_DELIVERY_MAX_ATTEMPTS", group: .delivery, default: defaults.retry.maxAttempts, in: 1...50,
        help: "delivery attempts before the dead-letter stream")
    static let concurrency = Setting<Int>.integer(
        "VERIFYD_DELIVERY_CONCURRENCY", group: .delivery, default: defaults.concurrency, in: 1...1024,
        help: "provider calls (and SMTP connections) at once per driver; a worker holds at most twice as many entries")
    static let claimIdle = Setting<Duration>.duration(
        "VERIFYD_DELIVERY_CLAIM_IDLE", group: .delivery, default: defaults.claimIdle,
        in: .milliseconds(300)...(.seconds(86400)),
        help:
            "take over entries another worker has not touched for this long (live workers touch theirs every third of it)"
    )
    static let maxWait = Setting<Duration>.duration(
        "VERIFYD_DELIVERY_MAX_WAIT", group: .delivery, default: .seconds(60), in: .seconds(1)...(.seconds(3600)),
        help: "a channel whose oldest queued code waited longer refuses new sends (503, 39504, Retry-After)")
    static let deadLetterRetention = Setting<Duration>.duration(
        "VERIFYD_DEAD_LETTER_RETENTION", group: .delivery, default: .seconds(7 * 86400),
        in: .seconds(60)...(.seconds(365 * 86400)),
        help: "dead letters older than this are trimmed (XTRIM MINID, every 15 s by each serve)")
    static let worker = Setting<Bool>.flag(
        "VERIFYD_WORKER", group: .delivery, default: true, help: "`serve` also runs a delivery worker")
    static let templates = Setting<String?>.text(
        "VERIFYD_TEMPLATES", group: .delivery, format: "path", defaultText: "built-in templates",
        help: "Fresns verifycode_template1…8 JSON file; SIGHUP reloads it")
    static let siteName = Setting<String>(
        "VERIFYD_SITE_NAME", group: .delivery, format: "text", default: "verifyd", defaultText: "verifyd",
        help: "{sitename} in templates"
    ) { name in
        name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            ? .failure(SettingProblem("control characters (CR, LF…) are not allowed")) : .success(name)
    }
    static let defaultLanguage = Setting<String>(
        "VERIFYD_DEFAULT_LANG", group: .delivery, format: "language tag", default: "en", defaultText: "en",
        help: "template language when the client's is missing"
    ) { tag in LanguageTag.isValid(tag) ? .success(tag) : .failure(SettingProblem("not a language tag: \(tag)")) }

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        var delivery = DeliveryWorker.Settings()
        delivery.retry.base = read(backoff)
        delivery.retry.maximum = max(delivery.retry.base, .seconds(30))
        delivery.retry.maxAttempts = read(maxAttempts)
        delivery.concurrency = read(concurrency)
        delivery.claimIdle = read(claimIdle)
        // Held entries are touched this often, so a live worker's entries never look idle to others.
        delivery.claimEvery = min(.seconds(5), delivery.claimIdle / 3)
        delivery.blockTime = min(.seconds(1), delivery.claimIdle / 3)
        configuration.delivery = delivery
        configuration.maxDeliveryWait = read(maxWait)
        configuration.deadLetterRetention = read(deadLetterRetention)
        configuration.runWorker = read(worker)
        configuration.templatesPath = read(templates)
        configuration.siteName = read(siteName)
        configuration.defaultLanguage = read(defaultLanguage)
    }
}
