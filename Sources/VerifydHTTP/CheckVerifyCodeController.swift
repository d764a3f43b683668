import NIOCore
import NIOHTTP1
import Verification

/// `POST /internal/v1/check-verify-code`: service to service, behind a bearer token.
struct CheckVerifyCodeController: Sendable {
    let useCase: CheckVerifyCode
    let token: String

    func check(_ request: IncomingRequest) async throws -> Envelope {
        let language = FresnsHeaders.language(of: request)
        let given = request.header("Authorization") ?? ""
        guard given.lowercased().hasPrefix("bearer "),
            FresnsSignature.constantTimeEquals(given.dropFirst("bearer ".count).trimmingSpaces(), token)
        else {
            return Envelope(
                .unauthorized, language: language, status: .unauthorized, headers: [("WWW-Authenticate", "Bearer")])
        }
        switch CheckRequest.parse(json: request.body.readableBytesView) {
        case .failure(let code): return Envelope(code, language: language)
        case .success(let parsed): return Envelope(try await useCase.check(parsed), language: language)
        }
    }
}
