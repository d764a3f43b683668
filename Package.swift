// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // A nonisolated async function runs on its caller's executor (Swift 6.2's `nonisolated(nonsending)`) instead of
    // hopping to the global one at every call: in `serve` a request's task runs on an event loop's serial executor,
    // and every hop was a round through the loop's task queue.
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "verifyd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "verifyd", targets: ["verifyd"]),
        .executable(name: "hummingbird-floor", targets: ["HummingbirdFloor"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "Verification", targets: ["Verification"]),
        .library(name: "SettingKit", targets: ["SettingKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.2", traits: []),
    ],
    targets: [
        // hiredis from the system, found through pkg-config (Debian: libhiredis-dev).
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]
        ),
        // libcurl from the system (Debian: libcurl4-openssl-dev), for SMTP.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        // Typed wrappers for libcurl's variadic setopt/getinfo, which Swift cannot call.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        // libphonenumber (C++, Debian: libphonenumber-dev; no pkg-config file) behind a C API: parse a national number
        // by its country's rules, and tell assigned country calling codes.
        .target(
            name: "CPhoneNumberShim",
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("stdc++", .when(platforms: [.linux]))]
        ),
        // libidn2 from the system (Debian: libidn2-dev), for IDNA 2008 email domains.
        .systemLibrary(
            name: "CIDN2",
            pkgConfig: "libidn2",
            providers: [.apt(["libidn2-dev"]), .brew(["libidn2"])]
        ),
        // A RESP client on SwiftNIO; hiredis encodes commands and parses replies. Knows nothing of Fresns.
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Verification rules, normalization, codes, messages, key layout and scripts. Knows nothing of HTTP.
        .target(
            name: "Verification",
            dependencies: [
                "RedisClient", "CPhoneNumberShim", "CIDN2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Real providers behind the DeliveryDriver seam: SMTP through libcurl, SMS through an HTTP webhook.
        .target(
            name: "DeliveryDrivers",
            dependencies: [
                "Verification", "CCurl", "CCurlShim",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP application: verifyd's HTTP/1.1 channel on HummingbirdCore's server, routes, envelopes, health.
        .target(
            name: "VerifydHTTP",
            dependencies: [
                "Verification", "DeliveryDrivers",
                "RedisClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The API's one description: served at GET /openapi.yaml, read by the tests and by make chaos.
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // Settings declared once (variable, option, default, range, secrecy, help), read through swift-configuration.
        .target(
            name: "SettingKit",
            dependencies: [.product(name: "Configuration", package: "swift-configuration")],
            swiftSettings: swiftSettings
        ),
        // The process: every subsystem's settings, read and wired together into services.
        .target(
            name: "VerifydApp",
            dependencies: [
                "SettingKit", "VerifydHTTP", "DeliveryDrivers", "Verification", "RedisClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `verifyd` command. It allocates with jemalloc (Debian's libjemalloc): linked ahead of the C library, its
        // malloc and free serve the whole process, the Swift runtime's included (docs/performance.md).
        .executableTarget(
            name: "verifyd",
            dependencies: [
                "VerifydApp", "SettingKit", "VerifydHTTP", "DeliveryDrivers",
                "Verification",
                "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        // `make bench`'s yardstick for the framework: a bare Hummingbird hello-world on `GET /health/live`.
        .executableTarget(
            name: "HummingbirdFloor",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        // Test fixtures: a real redis-server on a free loopback port, child processes, deadlines.
        .target(
            name: "TestSupport",
            dependencies: [
                "RedisClient", "Verification",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient", "TestSupport", "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VerificationTests",
            dependencies: [
                "Verification", "RedisClient", "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeliveryDriversTests",
            dependencies: [
                "DeliveryDrivers", "Verification", "RedisClient", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocsTests",
            dependencies: ["VerifydApp"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SettingKitTests",
            dependencies: ["SettingKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VerifydHTTPTests",
            dependencies: [
                "VerifydApp", "VerifydHTTP", "Verification", "RedisClient", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
