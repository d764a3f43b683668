import Foundation

/// One email template in one language (Fresns: `{"langTag","title","content"}`; content is HTML).
public struct EmailTemplate: Sendable, Equatable {
    public var langTag: String
    public var title: String
    public var content: String {
        didSet { text = HTMLText.plainText(fromHTML: content) }
    }
    /// The plain-text form of `content`, placeholders kept: derived once, filled for each message.
    public private(set) var text: String

    /// A template in one language.
    public init(langTag: String, title: String, content: String) {
        self.langTag = langTag
        self.title = title
        self.content = content
        self.text = HTMLText.plainText(fromHTML: content)
    }
}

/// One SMS template in one language (Fresns: `{"langTag","signName","templateCode","codeParam"}`).
public struct SMSTemplate: Sendable, Equatable {
    public var langTag: String
    public var signName: String
    public var templateCode: String
    public var codeParam: String
}

/// A channel of a template: whether it is enabled and its languages.
public struct ChannelTemplates<Entry: Sendable & Equatable>: Sendable, Equatable {
    public var isEnabled: Bool
    public var entries: [Entry]

    /// Enabled with at least one language.
    public var isUsable: Bool { isEnabled && !entries.isEmpty }
}

/// Both channels of one template id.
public struct TemplateChannels: Sendable, Equatable {
    public var email: ChannelTemplates<EmailTemplate>?
    public var sms: ChannelTemplates<SMSTemplate>?
}

/// Fresns' `verifycode_template1` … `verifycode_template8`, as configured.
public struct VerifyCodeTemplates: Sendable, Equatable {
    /// Templates by id (1–8).
    public var byId: [Int: TemplateChannels]

    /// Whether template `id` can send on `channel`.
    public func isUsable(_ id: Int, _ channel: Channel) -> Bool {
        switch channel {
        case .email: return byId[id]?.email?.isUsable == true
        case .sms: return byId[id]?.sms?.isUsable == true
        }
    }

    /// Reads a templates file: a JSON object whose keys are `verifycode_template1`…`8` and whose values are
    /// Fresns' config values (an array of channels, or that array as a JSON string).
    public static func load(contentsOf path: String) throws(TemplateError) -> VerifyCodeTemplates {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TemplateError("\(path): cannot read the file")
        }
        return try parse(data, source: path)
    }

    /// Parses the JSON of a templates file.
    public static func parse(_ data: Data, source: String = "templates") throws(TemplateError) -> VerifyCodeTemplates {
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw TemplateError("\(source): not valid JSON")
        }
        guard case .object(let keys) = root else { throw TemplateError("\(source): expected a JSON object") }
        var byId: [Int: TemplateChannels] = [:]
        for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
            guard key.hasPrefix("verifycode_template") else { continue }
            guard let id = Int(key.dropFirst("verifycode_template".count)), (1...8).contains(id) else {
                throw TemplateError("\(key): template ids are 1 to 8")
            }
            byId[id] = try TemplateParser(name: key).channels(value)
        }
        guard !byId.isEmpty else { throw TemplateError("\(source): no verifycode_template1…8 key") }
        return VerifyCodeTemplates(byId: byId)
    }
}

/// A problem in a templates file, naming the template and field.
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
