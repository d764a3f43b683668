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
        let plainValues = [("{sitename}", siteName), ("{code}", code), ("{time}", time)]
        let htmlValues = plainValues.map { ($0.0, HTMLText.escape($0.1)) }
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
    private static func fill(_ text: String, _ values: [(placeholder: String, value: String)]) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 64)
            var index = 0
            scan: while index < bytes.count {
                if bytes[index] == UInt8(ascii: "{") {
                    for (placeholder, value) in values where bytes[index...].starts(with: placeholder.utf8) {
                        out.append(contentsOf: value.utf8)
                        index += placeholder.utf8.count
                        continue scan
                    }
                }
                out.append(bytes[index])
                index += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
