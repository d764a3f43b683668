import Foundation
import Testing

@testable import Verification

/// The log driver's line, written by hand, is the JSON object Foundation's serializer writes with sorted keys.
@Suite struct LogDeliveryLineTests {
    private func message(_ content: DeliveryMessage.Content, channel: Channel, to recipient: String) -> DeliveryMessage
    {
        DeliveryMessage(
            id: "1764468288000-0", channel: channel, recipient: recipient,
            countryCode: channel == .sms ? 86 : nil, nationalNumber: channel == .sms ? "13800138000" : nil,
            templateId: 7, langTag: "zh-Hans", code: "042137", expiresAt: 0, content: content)
    }

    private func foundationLine(_ message: DeliveryMessage) throws -> [UInt8] {
        var object: [String: Any] = [
            "event": "verify-code", "channel": message.channel.rawValue, "to": message.recipient,
            "templateId": message.templateId, "lang": message.langTag, "code": message.code, "id": message.id,
        ]
        if let countryCode = message.countryCode { object["countryCode"] = countryCode }
        if let number = message.nationalNumber { object["phoneNumber"] = number }
        switch message.content {
        case .email(let email): object["subject"] = email.subject
        case .sms(let sms): object["templateCode"] = sms.templateCode
        }
        return Array(
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    @Test func anEmailLineIsWhatFoundationWrites() throws {
        let email = RenderedEmail(
            langTag: "zh-Hans", subject: "[站点 \"A/B\"]\n验证码 🙂", html: "<p>042137</p>", text: "042137")
        let sent = message(.email(email), channel: .email, to: "user+tag@例え.jp")
        #expect(LogDeliveryDriver.line(sent) == (try foundationLine(sent)))
    }

    @Test func anSMSLineIsWhatFoundationWrites() throws {
        let sms = RenderedSMS(langTag: "zh-Hans", signName: "Site", templateCode: "SMS_123\\456", codeParam: "code")
        let sent = message(.sms(sms), channel: .sms, to: "8613800138000")
        #expect(LogDeliveryDriver.line(sent) == (try foundationLine(sent)))
    }

    @Test func controlCharactersStayValidJSON() throws {
        let email = RenderedEmail(langTag: "en", subject: "bell \u{07} nul \u{00} tab \t", html: "", text: "")
        let sent = message(.email(email), channel: .email, to: "a@example.com")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(LogDeliveryDriver.line(sent))) as? [String: Any])
        #expect(object["subject"] as? String == "bell \u{07} nul \u{00} tab \t")
        #expect(object["templateId"] as? Int == 7)
    }
}
