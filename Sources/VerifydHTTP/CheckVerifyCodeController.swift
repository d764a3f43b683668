import Foundation
import HTTPTypes
import Hummingbird
import Verification

/// `POST /internal/v1/check-verify-code`: service to service, behind a bearer token.
struct CheckVerifyCodeController: Sendable {
    let useCase: CheckVerifyCode
    let token: String
    let maxBodySize: Int

    /// Adds the route.
    func register(on router: Router<VerifydRequestContext>) {
        router.post("/internal/v1/check-verify-code") { request, _ in try await check(request) }
    }

    func check(_ request: Request) async throws -> Envelope {
        var request = request
        let language = FresnsHeaders.language(of: request)
        let given = request.headers[.authorization] ?? ""
        guard given.lowercased().hasPrefix("bearer "),
            FresnsSignature.constantTimeEquals(
                given.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces), token)
        else {
            return Envelope(
                .unauthorized, language: language, status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        let body = try await request.collectBody(upTo: maxBodySize)
        switch CheckRequest.parse(json: body.readableBytesView) {
        case .failure(let code): return Envelope(code, language: language)
        case .success(let parsed): return Envelope(try await useCase.check(parsed), language: language)
        }
    }
}
