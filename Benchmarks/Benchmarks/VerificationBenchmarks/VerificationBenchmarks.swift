import Benchmark
import Verification

/// The pure functions of a send and a check: body parsing and validation, address normalization, and the code
/// (generate, HMAC, AES-GCM seal and open).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000
    )

    let emailBody = Array(#"{"type":"email","useType":5,"templateId":2,"account":"User@Example.com"}"#.utf8)
    let smsBody = Array(#"{"type":"sms","useType":5,"templateId":2,"account":"13800138000","countryCode":86}"#.utf8)
    let malformedBody = Array(#"{"type":"email","useType":5,"templateId":2,"account":"#.utf8)
    let checkBody = Array(
        #"{"type":"email","account":"user@example.com","templateId":2,"verifyCode":"123456"}"#.utf8)

    // Each input must give the outcome its name says, or the benchmark would measure another path.
    guard case .success = SendRequest.parse(json: emailBody), case .success = SendRequest.parse(json: smsBody),
        case .failure(.parameterError) = SendRequest.parse(json: malformedBody),
        case .success(let check) = CheckRequest.parse(json: checkBody), check.code == "123456"
    else { fatalError("a request body does not parse as expected") }

    Benchmark("SendRequest.parse email, useType 5") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SendRequest.parse(json: emailBody)) }
    }
    Benchmark("SendRequest.parse SMS, useType 5") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SendRequest.parse(json: smsBody)) }
    }
    Benchmark("SendRequest.parse malformed JSON (30000)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SendRequest.parse(json: malformedBody)) }
    }
    Benchmark("CheckRequest.parse email") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CheckRequest.parse(json: checkBody)) }
    }
    Benchmark("AddressFormat.email") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(AddressFormat.email(" User@Example.com ")) }
    }

    let crypto = CodeCrypto(secret: "a benchmark secret of reasonable length", length: 6)
    let target = Target.email("user@example.com")
    let context = "email|user@example.com|2"
    let sealed: String
    do {
        sealed = try crypto.seal(code: "123456", context: context)
        guard try crypto.open(sealed, context: context) == "123456" else { fatalError("seal/open lost the code") }
    } catch { fatalError("seal/open: \(error)") }

    Benchmark("CodeCrypto.generate (6 digits)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(crypto.generate()) }
    }
    Benchmark("CodeCrypto.hash (HMAC-SHA256, hex)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(crypto.hash(code: "123456", target: target, templateId: 2)) }
    }
    Benchmark("CodeCrypto.seal (AES-GCM, base64)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? crypto.seal(code: "123456", context: context)) }
    }
    Benchmark("CodeCrypto.open (base64, AES-GCM)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? crypto.open(sealed, context: context)) }
    }
}
