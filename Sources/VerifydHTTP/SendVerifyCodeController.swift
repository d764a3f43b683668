import Hummingbird
import Verification

/// `POST /api/v2/common/send-verify-code`: parse, hand to the use case, answer in the envelope.
struct SendVerifyCodeController: Sendable {
    let useCase: SendVerifyCode
    let maxBodySize: Int

    /// Adds the route.
    func register(on router: Router<some RequestContext>) {
        router.post("/api/v2/common/send-verify-code") { request, _ in try await send(request) }
    }

    func send(_ request: Request) async throws -> Envelope {
        var request = request
        let language = FresnsHeaders.language(of: request)
        let body = try await request.collectBody(upTo: maxBodySize)
        let parsed: SendRequest
        switch SendRequest.parse(json: body.readableBytesView) {
        case .failure(let code): return Envelope(code, language: language)
        case .success(let value): parsed = value
        }
        let langTag = request.headers[FresnsHeaders.langTag]
        switch try await useCase.send(parsed, session: FresnsHeaders.session(of: request), langTag: langTag) {
        case .accepted:
            return Envelope(.ok, language: language)
        case .refused(let code):
            return Envelope(code, language: language)
        case .rateLimited(let seconds):
            return Envelope(.sentTooOften, language: language, headers: [FresnsHeaders.retryAfter: String(seconds)])
        }
    }
}
