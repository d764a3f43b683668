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
        // The main package's versions, for BenchedVerification's dependencies.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // The main package's Verification sources (Linked/Verification is a symlink to ../Sources/Verification),
        // compiled here under another name: Verification is not a product of the main package, and target names
        // must be unique in a package graph. With a `.library(name: "Verification", ...)` product there, this
        // target and the symlink go, and the benchmarks depend on `.product(name: "Verification", package:
        // "verifyd")` instead. Keep the dependencies in step with the main package's Verification target.
        .target(
            name: "BenchedVerification",
            dependencies: [
                .product(name: "RedisClient", package: "verifyd"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Linked/Verification",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
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
                "BenchedVerification",
            ],
            path: "Benchmarks/VerificationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
