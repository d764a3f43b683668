import ArgumentParser
import SettingKit
import Verification
import VerifydApp

/// `verifyd keys email ADDRESS` / `verifyd keys sms NUMBER --country-code CODE`: the Redis keys of one address,
/// for redis-cli. Normalizes the address as the API does; reads only the key prefix and connects to nothing.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Redis keys of an address (its shard, owner, send log, codes and outbox stream).")
    @Argument(help: "email or sms") var channel: String
    @Argument(help: "the email address, or the national number") var address: String
    @Option(name: .customLong("country-code"), help: "the country calling code (sms)") var countryCode: Int?
    @OptionGroup var options: SettingArguments

    func run() async throws {
        let keys = try options.load(SettingGroup.mirror).keys
        let parsed: Result<Target, ResultCode>
        switch channel {
        case "email": parsed = Target.parse(channel: .email, account: address, countryCode: nil)
        case "sms": parsed = Target.parse(channel: .sms, account: address, countryCode: countryCode)
        default: throw ValidationError("expected: keys email ADDRESS, or keys sms NUMBER --country-code CODE")
        }
        let target = try parsed.mapError { ValidationError("invalid address (code \($0.rawValue))") }.get()
        let shard = OutboxShard(of: target)
        print("target  \(target.key)")
        if let mailbox = target.mailbox { print("mailbox \(mailbox)") }
        print("shard   \(shard.index) {\(shard.tag)}")
        print("owner   \(keys.owner(target))")
        print("sends   \(keys.sendLog(target))")
        print("code    \(keys.code(target, templateId: 1).dropLast())<templateId>")
        print("outbox  \(keys.outbox(shard))")
        print("dead    \(keys.outboxDead(shard))")
        print("stats   \(keys.stats(shard))")
    }
}
