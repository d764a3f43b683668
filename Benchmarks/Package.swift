// swift-tools-version:6.1
// The micro-benchmarks (ordo-one/benchmark): a package of their own, so the main package's build and CI never
// build them. Run them with `scripts/microbench.sh` (or `swift package benchmark` in this folder).
import PackageDescription

let package = Package(
    name: "verifyd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "verifyd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // RESP encoding and decoding through hiredis.
        .executableTarget(
            name: "RESPBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RedisClient", package: "verifyd"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/RESPBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Request parsing and validation, address format, code crypto.
        .executableTarget(
            name: "VerificationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Verification", package: "verifyd"),
            ],
            path: "Benchmarks/VerificationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
