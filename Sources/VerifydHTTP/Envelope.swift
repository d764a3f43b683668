import NIOCore
import NIOHTTP1
import Verification

/// The Fresns answer `{"code":…,"message":…,"data":…}`, with its HTTP status and extra headers.
struct Envelope: Sendable {
    var code: ResultCode
    var language: Language
    var status: HTTPResponseStatus
    var headers: [(name: String, value: String)]
    /// Raw JSON for `data`; `null` when nil.
    var dataJSON: String?

    /// An envelope; business errors are HTTP 200, as Fresns answers them.
    init(
        _ code: ResultCode, language: Language, status: HTTPResponseStatus = .ok,
        headers: [(name: String, value: String)] = [], dataJSON: String? = nil
    ) {
        self.code = code
        self.language = language
        self.status = status
        self.headers = headers
        self.dataJSON = dataJSON
    }

    /// The HTTP response carrying this envelope.
    func response() -> OutgoingResponse {
        var body: [UInt8] = []
        body.reserveCapacity(96)
        body.append(contentsOf: #"{"code":"#.utf8)
        body.append(contentsOf: String(code.rawValue).utf8)
        JSONText.appendKey("message", to: &body)
        JSONText.appendString(code.message(language), to: &body)
        JSONText.appendKey("data", to: &body)
        body.append(contentsOf: (dataJSON ?? "null").utf8)
        body.append(UInt8(ascii: "}"))
        var fields = HTTPHeaders()
        fields.reserveCapacity(3 + headers.count)
        for (name, value) in headers { fields.add(name: name, value: value) }
        fields.add(name: "Content-Type", value: "application/json; charset=utf-8")
        fields.add(name: Self.codeHeader, value: String(code.rawValue))
        return OutgoingResponse(status: status, headers: fields, body: ByteBuffer(bytes: body))
    }

    /// The header that repeats the envelope's code, for metrics, logs and load tests.
    static let codeHeader = "X-Verifyd-Code"
}
