// The framework's floor for `make bench`: a bare Hummingbird application with one route, `GET /health/live`,
// answering the Fresns envelope as verifyd's health route does. No middleware, no Redis, nothing else.
import Hummingbird

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8080
let router = Router()
router.get("/health/live") { _, _ in
    Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"code":0,"message":"ok","data":null}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
