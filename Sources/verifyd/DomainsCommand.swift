import ArgumentParser
import Foundation

/// `verifyd domains add|remove|list|import`: the email domains sends refuse with 34110.
struct Domains: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the blocked email domains (sends to them answer 34110).",
        discussion: """
            A blocked domain blocks its subdomains too: mailinator.com blocks x@eu.mailinator.com. Every instance \
            sees a change within 5 seconds. Domains are stored lowercased, without a final dot; a non-ASCII domain \
            must be given in its punycode (xn--) form. `import --disposable` loads the bundled list of \
            disposable-mail domains (disposable-email-domains \(DisposableDomains.version), CC0-1.0).
            """,
        subcommands: [Add.self, Remove.self, List.self, Import.self])

    /// `domains add DOMAIN…`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block domains (and their subdomains).",
            usage: "verifyd domains add DOMAIN... [--setting value...]",
            discussion: "Invalid domains are reported and skipped; the exit status is then 1.")
        // The domains arrive among the settings: ArgumentParser allows no array of arguments before theirs.
        @OptionGroup var options: SettingArguments

        func run() async throws {
            let (domains, settings) = try options.domainsAndSettings()
            var input = DomainInput()
            for (index, text) in domains.enumerated() { input.take(text, at: "domain \(index + 1)") }
            try await BlockedDomainSet.with(settings) { set in
                let new = try await set.add(input.domains)
                print("added \(domainCount(input.domains.count)) (\(new) new)")
            }
            try input.exitIfAnyWasBad()
        }
    }

    /// `domains remove DOMAIN…`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unblock domains.",
            usage: "verifyd domains remove DOMAIN... [--setting value...]",
            discussion: "Each is removed as given and in the form `add` stores (its canonical, IDNA form).")
        @OptionGroup var options: SettingArguments

        func run() async throws {
            let (domains, settings) = try options.domainsAndSettings()
            var members: [String] = []
            for text in domains {
                let stored = (try? BlockedDomainName.parse(text).get()) ?? text
                members.append(contentsOf: stored == text ? [text] : [text, stored])
            }
            try await BlockedDomainSet.with(settings) { set in
                print("removed \(domainCount(try await set.remove(members)))")
            }
        }
    }

    /// `domains list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the blocked domains, sorted, one a line; the count goes to standard error.",
            discussion: "Standard output is only the domains, so it can be saved and imported again.")
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await BlockedDomainSet.with(options) { set in
                let domains = try await set.list()
                if !domains.isEmpty { print(domains.joined(separator: "\n")) }
                FileHandle.standardError.write(Data("\(domainCount(domains.count))\n".utf8))
            }
        }
    }

    /// `domains import FILE` / `domains import --disposable`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block the domains of FILE (- for standard input), or with --disposable the bundled list.",
            discussion: """
                One domain a line; blank lines and comments (from # to the end of the line) are ignored. Invalid \
                lines are reported with their numbers and skipped; the exit status is then 1. --disposable loads \
                the \(DisposableDomains.count) bundled \
                disposable-mail domains (disposable-email-domains \(DisposableDomains.version), CC0-1.0).
                """)
        @Argument(help: "a file of domains, one a line, or - for standard input") var file: String?
        @Flag(help: "import the bundled list of disposable-mail domains") var disposable = false
        @OptionGroup var options: SettingArguments

        func validate() throws {
            guard (file != nil) != disposable else {
                throw ValidationError("give either FILE (- for standard input) or --disposable")
            }
        }

        func run() async throws {
            var input = DomainInput()
            for (index, line) in try lines().enumerated() {
                guard let parsed = BlockedDomainName.parseLine(line) else { continue }
                input.take(parsed, at: "line \(index + 1)")
            }
            try await BlockedDomainSet.with(options) { set in
                let new = try await set.add(input.domains)
                let source = disposable ? " from disposable-email-domains \(DisposableDomains.version)" : ""
                print("imported \(domainCount(input.domains.count)) (\(new) new)\(source)")
            }
            try input.exitIfAnyWasBad()
        }

        private func lines() throws -> [Substring] {
            let text: String
            if disposable {
                text = DisposableDomains.list
            } else if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let path = file, let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("cannot read \(file ?? "")")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        }
    }
}

extension SettingArguments {
    /// The words of `add` and `remove` that are not settings, and the settings alone. A setting is `--name=value`, or
    /// `--name` and the word after it, as `SettingOptions` reads them; a domain never starts with a hyphen.
    fileprivate func domainsAndSettings() throws -> ([String], SettingArguments) {
        var domains: [String] = []
        var settings = self
        settings.settings = []
        var words = self.settings[...]
        while let word = words.popFirst() {
            if word.hasPrefix("--") {
                settings.settings.append(word)
                if !word.contains("="), let value = words.popFirst() { settings.settings.append(value) }
            } else {
                domains.append(word)
            }
        }
        guard !domains.isEmpty else { throw ValidationError("give at least one domain") }
        return (domains, settings)
    }
}

/// "1 domain", "2 domains".
private func domainCount(_ count: Int) -> String { count == 1 ? "1 domain" : "\(count) domains" }

/// The valid domains of an `add` or `import`, without repeats and in input order, and how many inputs were bad
/// (each reported on standard error as it is found).
private struct DomainInput {
    private(set) var domains: [String] = []
    private var seen: Set<String> = []
    private var bad = 0

    /// Parses `text`, found `at` a place named for the report ("line 3").
    mutating func take(_ text: String, at place: String) {
        take(BlockedDomainName.parse(text), at: place)
    }

    /// Keeps a parsed domain, or reports why it is not one.
    mutating func take(_ parsed: Result<String, BlockedDomainName.Problem>, at place: String) {
        switch parsed {
        case .success(let domain):
            if seen.insert(domain).inserted { domains.append(domain) }
        case .failure(let problem):
            bad += 1
            FileHandle.standardError.write(Data("\(place): \(problem), skipped\n".utf8))
        }
    }

    /// Exits with status 1, after saying how many inputs were skipped, when any was bad.
    func exitIfAnyWasBad() throws {
        guard bad > 0 else { return }
        FileHandle.standardError.write(Data("\(bad) invalid \(bad == 1 ? "entry" : "entries") skipped\n".utf8))
        throw ExitCode.failure
    }
}
