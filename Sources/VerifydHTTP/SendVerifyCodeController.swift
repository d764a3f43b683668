import NIOCore
import NIOHTTP1
import Verification

/// `POST /api/v2/common/send-verify-code`: signature (when required), parse, hand to the use case, answer.
struct SendVerifyCodeController: Sendable {
    let useCase: SendVerifyCode
    let signatures: SignatureVerifier?
    let clientAddresses: ClientAddressResolver

    func send(_ request: IncomingRequest) async throws -> Envelope {
        let language = FresnsHeaders.language(of: request)
        if let signatures, let refusal = try await signatures.verify(headers: FresnsHeaders.signed(of: request)) {
            return Envelope(refusal, language: language)
        }
        let parsed: SendRequest
        switch SendRequest.parse(json: request.body.readableBytesView) {
        case .failure(let code): return Envelope(code, language: language)
        case .success(let value): parsed = value
        }
        let client = clientAddresses.resolve(
            peer: request.peerAddress,
            forwardedFor: request.header("X-Forwarded-For"))
        let outcome = try await useCase.send(
            parsed, session: FresnsHeaders.session(of: request), langTag: request.header(FresnsHeaders.langTag),
            clientIP: client)
        switch outcome {
        case .accepted:
            return Envelope(.ok, language: language)
        case .refused(let code):
            return Envelope(code, language: language)
        case .rateLimited(let seconds, _):
            return Envelope(.sentTooOften, language: language, headers: [(FresnsHeaders.retryAfter, String(seconds))])
        case .backlogged(let seconds):
            return Envelope(
                .deliveryBacklog, language: language, status: .serviceUnavailable,
                headers: [(FresnsHeaders.retryAfter, String(seconds))])
        case .outboxFull(let seconds):
            return Envelope(
                .serviceUnavailable, language: language, status: .serviceUnavailable,
                headers: [(FresnsHeaders.retryAfter, String(seconds))])
        }
    }
}
