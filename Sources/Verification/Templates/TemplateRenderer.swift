import Foundation

/// An email ready to send: subject, HTML and the plain text derived from it.
public struct RenderedEmail: Sendable, Equatable {
    public var langTag: String
    public var subject: String
    public var html: String
    public var text: String
}

/// An SMS ready for the provider: its sign, template and the code under `codeParam`.
public struct RenderedSMS: Sendable, Equatable {
    public var langTag: String
    public var signName: String
    public var templateCode: String
    public var codeParam: String
}

/// Fills `{sitename}`, `{code}` and `{time}` into templates; values are HTML-escaped in HTML.
public enum TemplateRenderer {
    /// The email for a code valid `ttl` seconds. Its text is the template's plain text (derived once from the
    /// HTML) with the plain values filled in.
    public static func email(_ template: EmailTemplate, siteName: String, code: String, ttl: Int) -> RenderedEmail {
        let time = validity(ttl, Language(tag: template.langTag))
        let plainValues: [(placeholder: String, value: String)] = [
            ("{sitename}", siteName), ("{code}", code), ("{time}", time),
        ]
        let htmlValues = plainValues.map { (placeholder: $0.placeholder, value: HTMLText.escape($0.value)) }
        return RenderedEmail(
            langTag: template.langTag, subject: fill(template.title, plainValues),
            html: fill(template.content, htmlValues), text: fill(template.text, plainValues))
    }

    /// The SMS parameters of a template.
    public static func sms(_ template: SMSTemplate, siteName: String) -> RenderedSMS {
        RenderedSMS(
            langTag: template.langTag, signName: fill(template.signName, [("{sitename}", siteName)]),
            templateCode: template.templateCode, codeParam: template.codeParam)
    }

    /// "10 minutes", "10 分钟", "10 分鐘" (seconds when not a whole number of minutes).
    public static func validity(_ seconds: Int, _ language: Language) -> String {
        let minutes = seconds % 60 == 0 ? seconds / 60 : nil
        switch (language, minutes) {
        case (.en, let m?): return m == 1 ? "1 minute" : "\(m) minutes"
        case (.en, nil): return "\(seconds) seconds"
        case (.zhHans, let m?): return "\(m) 分钟"
        case (.zhHant, let m?): return "\(m) 分鐘"
        case (.zhHans, nil), (.zhHant, nil): return "\(seconds) 秒"
        }
    }

    /// Replaces the placeholders in one left-to-right pass: a value that contains a placeholder stays as it is.
    /// The text between placeholders is copied in runs, from one `{` to the next.
    private static func fill(_ text: String, _ values: [(placeholder: String, value: String)]) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 64)
            var copied = 0
            var index = 0
            while let brace = bytes[index...].firstIndex(of: UInt8(ascii: "{")) {
                index = brace + 1
                for (placeholder, value) in values where matches(placeholder, in: bytes, at: brace) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<brace]))
                    out.append(contentsOf: value.utf8)
                    index = brace + placeholder.utf8.count
                    copied = index
                    break
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func matches(_ placeholder: String, in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        var placeholder = placeholder
        return placeholder.withUTF8 { wanted in
            wanted.count <= bytes.count - start
                && memcmp(wanted.baseAddress!, bytes.baseAddress! + start, wanted.count) == 0
        }
    }
}
