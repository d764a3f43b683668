import HTTPTypes
import Hummingbird
import Verification

/// The Fresns answer `{"code":…,"message":…,"data":…}`, with its HTTP status and extra headers.
public struct Envelope: ResponseGenerator, Sendable {
    public var code: ResultCode
    public var language: Language
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    /// Raw JSON for `data`; `null` when nil.
    public var dataJSON: String?

    /// An envelope; business errors are HTTP 200, as Fresns answers them.
    public init(
        _ code: ResultCode, language: Language, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
        dataJSON: String? = nil
    ) {
        self.code = code
        self.language = language
        self.status = status
        self.headers = headers
        self.dataJSON = dataJSON
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The HTTP response carrying this envelope.
    public func response() -> Response {
        let body =
            "{\"code\":\(code.rawValue),\"message\":\(JSONText.quoted(code.message(language))),\"data\":\(dataJSON ?? "null")}"
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[HTTPField.Name("X-Verifyd-Code")!] = String(code.rawValue)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
