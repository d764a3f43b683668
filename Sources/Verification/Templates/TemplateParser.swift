import Foundation

/// Validates one `verifycode_templateN` value; every error names the template, the entry and the field.
struct TemplateParser {
    let name: String

    func channels(_ value: JSONValue) throws(TemplateError) -> TemplateChannels {
        var list = value
        if case .string(let text) = value {  // Fresns stores config values as JSON text.
            guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                throw TemplateError("\(name): the string value is not JSON")
            }
            list = decoded
        }
        guard case .array(let items) = list else {
            throw TemplateError("\(name): expected an array of channels, got \(list.kind)")
        }
        var result = TemplateChannels()
        for (index, item) in items.enumerated() {
            let path = "\(name)[\(index)]"
            guard case .object(let object) = item else { throw TemplateError("\(path): expected an object") }
            let isEnabled = try bool(object, "isEnabled", path)
            guard case .array(let entries)? = object["template"] else {
                throw TemplateError("\(path).template: expected an array")
            }
            switch try string(object, "type", path) {
            case "email":
                let parsed = try entries.enumerated().map { (i, e) throws(TemplateError) in
                    try email(e, "\(path).template[\(i)]")
                }
                result.email = ChannelTemplates(isEnabled: isEnabled, entries: parsed)
            case "sms":
                let parsed = try entries.enumerated().map { (i, e) throws(TemplateError) in
                    try sms(e, "\(path).template[\(i)]")
                }
                result.sms = ChannelTemplates(isEnabled: isEnabled, entries: parsed)
            case let other:
                throw TemplateError("\(path).type: expected email or sms, got \(other)")
            }
        }
        return result
    }

    private func email(_ value: JSONValue, _ path: String) throws(TemplateError) -> EmailTemplate {
        guard case .object(let o) = value else { throw TemplateError("\(path): expected an object") }
        let title = try string(o, "title", path)
        guard !title.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw TemplateError("\(path).title: must be one line (no CR or LF)")
        }
        return EmailTemplate(langTag: try langTag(o, path), title: title, content: try string(o, "content", path))
    }

    private func sms(_ value: JSONValue, _ path: String) throws(TemplateError) -> SMSTemplate {
        guard case .object(let o) = value else { throw TemplateError("\(path): expected an object") }
        return SMSTemplate(
            langTag: try langTag(o, path), signName: try string(o, "signName", path),
            templateCode: try string(o, "templateCode", path), codeParam: try string(o, "codeParam", path))
    }

    private func langTag(_ object: [String: JSONValue], _ path: String) throws(TemplateError) -> String {
        let tag = try string(object, "langTag", path)
        guard LanguageTag.isValid(tag) else { throw TemplateError("\(path).langTag: not a language tag: \(tag)") }
        return tag
    }

    private func string(_ object: [String: JSONValue], _ key: String, _ path: String) throws(TemplateError) -> String {
        guard case .string(let value)? = object[key] else {
            throw TemplateError("\(path).\(key): expected a string, got \(object[key]?.kind ?? "nothing")")
        }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TemplateError("\(path).\(key): is empty")
        }
        return value
    }

    private func bool(_ object: [String: JSONValue], _ key: String, _ path: String) throws(TemplateError) -> Bool {
        switch object[key] {
        case .bool(let value)?: return value
        case .number(let n)? where n == 0 || n == 1: return n == 1
        default: throw TemplateError("\(path).\(key): expected true or false, got \(object[key]?.kind ?? "nothing")")
        }
    }
}

/// Language tags as templates and clients use them (`en`, `zh-Hans`, `pt-BR`).
public enum LanguageTag {
    /// Letters, digits and dashes, 1–35 characters, starting with a letter.
    public static func isValid(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, (1...35).contains(tag.utf8.count) else { return false }
        return first.properties.isAlphabetic && first.isASCII
            && tag.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95
            }
    }

    /// `tag` with its ASCII letters lowercased and `_` as `-` (`zh_TW` → `zh-tw`): tags are compared this way.
    static func folded(_ tag: String) -> String {
        String(
            decoding: tag.utf8.map { byte in
                switch byte {
                case UInt8(ascii: "_"): UInt8(ascii: "-")
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                default: byte
                }
            }, as: UTF8.self)
    }

    /// The entry for `requested`: exact tag, then the same language (Chinese by script: zh-CN → zh-Hans,
    /// zh-TW → zh-Hant; others by primary subtag: pt-BR → pt or pt-PT), then `fallback`, then the first.
    public static func pick<T>(_ entries: [T], tag: (T) -> String, requested: String?, fallback: String) -> T? {
        func find(_ wanted: String) -> T? {
            let wanted = wanted.lowercased()
            return entries.first { tag($0).lowercased() == wanted }
        }
        func primary(_ tag: String) -> String {
            let folded = folded(tag)
            return String(folded[..<(folded.utf8.firstIndex(of: UInt8(ascii: "-")) ?? folded.endIndex)])
        }
        if let requested, !requested.isEmpty {
            if let exact = find(requested) { return exact }
            if primary(requested) == "zh" {
                let script = Language(tag: requested)
                if let near = entries.first(where: { primary(tag($0)) == "zh" && Language(tag: tag($0)) == script }) {
                    return near
                }
            } else if let near = entries.first(where: { primary(tag($0)) == primary(requested) }) {
                return near
            }
        }
        return find(fallback) ?? entries.first
    }
}
