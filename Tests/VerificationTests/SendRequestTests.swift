import Testing

@testable import Verification

/// Step 1: body types and required fields (`.parameterError` / `.parameterMissing`).
@Suite struct SendRequestTests {
    private func parse(_ json: String) -> Result<SendRequest, ResultCode> {
        SendRequest.parse(json: Array(json.utf8))
    }

    @Test func acceptsNumbersAndNumericStrings() throws {
        let a = try parse(
            #"{"type":"sms","useType":"1","templateId":2.0,"account":" 13800138000 ","countryCode":"86"}"#
        ).get()
        #expect(
            a
                == SendRequest(
                    channel: .sms, useType: .newAccount, templateId: 2, account: "13800138000", countryCode: 86))
    }

    @Test(arguments: [
        "", "null", "[]", "\"text\"", "42", "{", #"{"type":"email""#, "{\"type\" \"email\"}",
        #"{"type":"fax","useType":5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"EMAIL","useType":5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":1,"useType":5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":6,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":1.5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":true,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":"5x","templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"templateId":9,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"templateId":0,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"templateId":1e400,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"templateId":1,"account":["a@b.co"]}"#,
        #"{"type":"email","useType":5,"templateId":1,"account":{"x":1}}"#,
        #"{"type":"sms","useType":5,"templateId":1,"account":"138","countryCode":"+-86"}"#,
        #"{"type":"sms","useType":5,"templateId":1,"account":"138","countryCode":[86]}"#,
    ])
    func wrongShapeOrValueIsParameterError(_ json: String) {
        #expect(parse(json) == .failure(.parameterError))
    }

    @Test(arguments: [
        "{}",
        #"{"useType":5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"","useType":5,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":null,"templateId":1,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"account":"a@b.co"}"#,
        #"{"type":"email","useType":5,"templateId":1}"#,
        #"{"type":"email","useType":1,"templateId":1,"account":"   "}"#,
        #"{"type":"email","useType":2,"templateId":1,"account":null}"#,
    ])
    func missingFieldIsParameterMissing(_ json: String) {
        #expect(parse(json) == .failure(.parameterMissing))
    }

    @Test func useType4IgnoresAccount() throws {
        let r = try parse(#"{"type":"email","useType":4,"templateId":1,"account":{"anything":[1,2]}}"#).get()
        #expect(r.account == nil && r.useType == .authentication)
        let s = try parse(#"{"type":"sms","useType":4,"templateId":8}"#).get()
        #expect(s.account == nil && s.countryCode == nil)
    }

    @Test func deepNestingIsAParameterErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(
            parse(#"{"type":"email","useType":5,"templateId":1,"account":"# + deep + "}") == .failure(.parameterError))
    }
}
