@testable import Verification

extension DeliveryMessage {
    /// An email carrying `code` to `recipient`, rendered as a driver receives it (subject `Code …`), never expiring.
    static func testEmail(to recipient: String, code: String) -> DeliveryMessage {
        DeliveryMessage(
            id: "1-\(code)", channel: .email, recipient: recipient, countryCode: nil, nationalNumber: nil,
            templateId: 1, langTag: "en", code: code, expiresAt: .max,
            content: .email(
                RenderedEmail(
                    langTag: "en", subject: "Code \(code)", html: "<p>\(code)</p>", text: "Your code: \(code)")
            ))
    }
}
