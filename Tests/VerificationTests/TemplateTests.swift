import Foundation
import Testing

@testable import Verification

/// Fresns template files, built-in templates, rendering and language choice.
@Suite struct TemplateTests {
    private var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/verifycode-templates.json")
    }

    @Test func fresnsSeededTemplatesLoadUnchanged() throws {
        let templates = try VerifyCodeTemplates.load(contentsOf: fixture.path)
        #expect(templates.byId.keys.sorted() == Array(1...8))
        for id in 1...8 {
            #expect(templates.isUsable(id, .email))
            #expect(!templates.isUsable(id, .sms), "Fresns seeds SMS disabled with no template")
            #expect(templates.byId[id]?.email?.entries.map(\.langTag) == ["en", "zh-Hans", "zh-Hant"])
        }
        // The shared copy, when present beside the repository, is the same file.
        let shared = fixture.deletingLastPathComponent().appendingPathComponent(
            "../../../../shared/fresns/verifycode-templates.json")
        if let original = FileManager.default.contents(atPath: shared.path) {
            #expect(original == FileManager.default.contents(atPath: fixture.path))
        }
    }

    @Test(arguments: [
        (#"[]"#, "expected a JSON object"),
        (#"{"other":1}"#, "no verifycode_template1"),
        (#"{"verifycode_template9":[]}"#, "verifycode_template9: template ids are 1 to 8"),
        (#"{"verifycode_template2":{}}"#, "verifycode_template2: expected an array of channels"),
        (
            #"{"verifycode_template3":[{"type":"fax","isEnabled":true,"template":[]}]}"#,
            "verifycode_template3[0].type: expected email or sms"
        ),
        (
            #"{"verifycode_template3":[{"type":"email","isEnabled":"yes","template":[]}]}"#,
            "verifycode_template3[0].isEnabled"
        ),
        (
            #"{"verifycode_template4":[{"type":"email","isEnabled":true,"template":[{"langTag":"en","title":"a","content":"b"},{"langTag":"en","content":"b"}]}]}"#,
            "verifycode_template4[0].template[1].title: expected a string"
        ),
        (
            #"{"verifycode_template5":[{"type":"email","isEnabled":true,"template":[{"langTag":"en","title":"a\r\nBcc: x@y.z","content":"b"}]}]}"#,
            "verifycode_template5[0].template[0].title: must be one line"
        ),
        (
            #"{"verifycode_template6":[{"type":"sms","isEnabled":true,"template":[{"langTag":"en","signName":"s","templateCode":"t"}]}]}"#,
            "verifycode_template6[0].template[0].codeParam"
        ),
        (
            #"{"verifycode_template7":[{"type":"sms","isEnabled":true,"template":[{"langTag":"e n","signName":"s","templateCode":"t","codeParam":"c"}]}]}"#,
            "verifycode_template7[0].template[0].langTag"
        ),
    ])
    func invalidFilesNameTheTemplateAndField(_ json: String, _ expected: String) {
        do {
            _ = try VerifyCodeTemplates.parse(Data(json.utf8))
            Issue.record("accepted an invalid file")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func valuesMayBeFresnsJSONStrings() throws {
        let inner = #"[{"type":"email","isEnabled":true,"template":[{"langTag":"en","title":"T","content":"{code}"}]}]"#
        let file = try JSONSerialization.data(withJSONObject: ["verifycode_template1": inner])
        #expect(try VerifyCodeTemplates.parse(file).isUsable(1, .email))
    }

    @Test func builtInTemplatesCoverEveryIdChannelAndLanguage() {
        for id in 1...8 {
            #expect(BuiltInTemplates.templates.isUsable(id, .email) && BuiltInTemplates.templates.isUsable(id, .sms))
            #expect(BuiltInTemplates.templates.byId[id]?.email?.entries.map(\.langTag) == ["en", "zh-Hans", "zh-Hant"])
        }
    }

    @Test func renderingEscapesValuesInHTMLAndDerivesText() {
        let template = EmailTemplate(
            langTag: "en", title: "[{sitename}] code",
            content: "<div>{sitename}</div><div><br></div><div>&nbsp;&nbsp;Code: <b>{code}</b></div><p>{time}</p>")
        let mail = TemplateRenderer.email(template, siteName: "A&B <Co>", code: "123456", ttl: 600)
        #expect(mail.subject == "[A&B <Co>] code")
        #expect(mail.html.contains("<div>A&amp;B &lt;Co&gt;</div>"))
        #expect(mail.text == "A&B <Co>\n\nCode: 123456\n10 minutes")
        // A character to escape followed by a combining mark is one Character with it, and is escaped all the same.
        let marked = TemplateRenderer.email(template, siteName: "<\u{301}b>\u{20DD} &\u{308}", code: "1", ttl: 60)
        #expect(marked.html.contains("<div>&lt;\u{301}b&gt;\u{20DD} &amp;\u{308}</div>"), "\(marked.html)")
        #expect(HTMLText.escape("\"it's\" 验证") == "&quot;it&#39;s&quot; 验证")
        #expect(TemplateRenderer.validity(300, .zhHans) == "5 分钟")
        #expect(TemplateRenderer.validity(90, .zhHant) == "90 秒")
        #expect(TemplateRenderer.validity(60, .en) == "1 minute")
    }

    @Test func languageChoice() {
        let entries = ["en", "zh-Hans", "zh-Hant"]
        #expect(LanguageTag.pick(entries, tag: { $0 }, requested: "zh-Hant", fallback: "en") == "zh-Hant")
        #expect(LanguageTag.pick(entries, tag: { $0 }, requested: "zh-CN", fallback: "en") == "zh-Hans")
        #expect(LanguageTag.pick(entries, tag: { $0 }, requested: "ja", fallback: "zh-Hant") == "zh-Hant")
        #expect(LanguageTag.pick(["ja", "ko"], tag: { $0 }, requested: "fr", fallback: "en") == "ja")
        #expect(LanguageTag.pick(["en"], tag: { $0 }, requested: "EN", fallback: "ja") == "en")
        #expect(LanguageTag.pick(["en", "pt-PT"], tag: { $0 }, requested: "PT_br", fallback: "en") == "pt-PT")
        #expect(LanguageTag.pick(["en", "zh-TW"], tag: { $0 }, requested: "zh_Hant", fallback: "en") == "zh-TW")
        #expect(LanguageTag.pick(["EN", "ja"], tag: { $0 }, requested: nil, fallback: "en") == "EN")
    }
}

/// Placeholders are filled in one pass, and languages match by primary subtag.
@Suite struct TemplateEdgeTests {
    @Test func placeholderValuesAreNotExpandedAgain() {
        let template = EmailTemplate(langTag: "en", title: "{sitename}", content: "<p>{sitename} {code}</p>")
        let mail = TemplateRenderer.email(template, siteName: "{code}{time}", code: "123456", ttl: 600)
        #expect(mail.subject == "{code}{time}")
        #expect(mail.html == "<p>{code}{time} 123456</p>")
    }

    /// Braces that open no placeholder (CSS, a cut-off name, one at the very end) are copied as they are; placeholders
    /// side by side, first and last are all filled; a template changed after it was made is filled as changed.
    @Test func bracesThatAreNotPlaceholdersStayAndChangesAreFilled() {
        var template = EmailTemplate(
            langTag: "en", title: "{code}{code}",
            content: "<style>p{color:red}</style><p>{cod {sitename}{time}</p>{code}{")
        let mail = TemplateRenderer.email(template, siteName: "S", code: "42", ttl: 60)
        #expect(mail.subject == "4242")
        #expect(mail.html == "<style>p{color:red}</style><p>{cod S1 minute</p>42{")
        #expect(mail.text.hasSuffix("42{"), "\(mail.text)")
        template.title = "[{sitename}]"
        template.content = "<b>{code}</b>"
        let changed = TemplateRenderer.email(template, siteName: "S", code: "42", ttl: 60)
        #expect(changed.subject == "[S]")
        #expect(changed.html == "<b>42</b>")
        #expect(changed.text == "42")
        let sms = TemplateRenderer.sms(
            SMSTemplate(langTag: "en", signName: "{sitename}{code}", templateCode: "T", codeParam: "c"), siteName: "S")
        #expect(sms.signName == "S{code}", "only the site name is filled into an SMS sign")
    }

    @Test func languagesMatchByPrimarySubtag() {
        #expect(LanguageTag.pick(["en", "pt"], tag: { $0 }, requested: "pt-BR", fallback: "en") == "pt")
        #expect(
            LanguageTag.pick(["en", "zh-Hans", "zh-Hant"], tag: { $0 }, requested: "zh-TW", fallback: "en") == "zh-Hant"
        )
        #expect(LanguageTag.pick(["en", "zh-Hant"], tag: { $0 }, requested: "zh-CN", fallback: "en") == "en")
    }
}
