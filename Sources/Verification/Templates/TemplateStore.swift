import Logging
import NIOConcurrencyHelpers

/// The templates in force: loaded at start-up, replaced on reload only by a valid file.
public final class TemplateStore: Sendable {
    /// The file, or nil for the built-in templates.
    public let path: String?
    /// Substituted for `{sitename}`.
    public let siteName: String
    /// The language used when the request's is missing from a template.
    public let defaultLanguage: String
    private let state: NIOLockedValueBox<VerifyCodeTemplates>

    /// A store for `path` (built-in templates when nil); throws when the file is invalid.
    public init(path: String?, siteName: String, defaultLanguage: String) throws(TemplateError) {
        self.path = path
        self.siteName = siteName
        self.defaultLanguage = defaultLanguage
        self.state = NIOLockedValueBox(
            try path.map { p throws(TemplateError) in try VerifyCodeTemplates.load(contentsOf: p) }
                ?? BuiltInTemplates.templates)
    }

    /// The templates in force.
    public var current: VerifyCodeTemplates { state.withLockedValue { $0 } }

    /// Re-reads the file; an invalid file leaves the current templates in force and is reported.
    public func reload() throws(TemplateError) {
        guard let path else { return }
        let fresh = try VerifyCodeTemplates.load(contentsOf: path)
        state.withLockedValue { $0 = fresh }
    }

    /// Whether template `id` can send on `channel` now.
    public func isUsable(_ id: Int, _ channel: Channel) -> Bool { current.isUsable(id, channel) }

    /// The email for a code, in the best language for `langTag`; nil when the template is not usable.
    public func email(templateId: Int, langTag: String?, code: String, ttl: Int) -> RenderedEmail? {
        guard let channel = current.byId[templateId]?.email, channel.isUsable,
            let entry = LanguageTag.pick(channel.entries, tag: \.langTag, requested: langTag, fallback: defaultLanguage)
        else { return nil }
        return TemplateRenderer.email(entry, siteName: siteName, code: code, ttl: ttl)
    }

    /// The SMS parameters, in the best language for `langTag`; nil when the template is not usable.
    public func sms(templateId: Int, langTag: String?) -> RenderedSMS? {
        guard let channel = current.byId[templateId]?.sms, channel.isUsable,
            let entry = LanguageTag.pick(channel.entries, tag: \.langTag, requested: langTag, fallback: defaultLanguage)
        else { return nil }
        return TemplateRenderer.sms(entry, siteName: siteName)
    }
}
