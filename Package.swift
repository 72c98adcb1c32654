// swift-tools-version: 6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "dvcg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dvcg", targets: ["dvcg"]),
        .executable(name: "dvcgctl", targets: ["dvcgctl"]),
        .library(name: "DVCGCore", targets: ["DVCGCore"]),
        .library(name: "DVCGNeural", targets: ["DVCGNeural"]),
        .library(name: "DVCGCheckpoint", targets: ["DVCGCheckpoint"]),
        .library(name: "DVCGMechanism", targets: ["DVCGMechanism"]),
        .library(name: "DVCGSimulation", targets: ["DVCGSimulation"]),
        .library(name: "DVCGService", targets: ["DVCGService"]),
        .executable(name: "dvcgd", targets: ["dvcgd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    // The layers, in order; a target depends only on targets above it (README, Architecture):
    //   DVCGCore (math) -> DVCGNeural (matrices, layers, Adam, BLAS) -> DVCGCheckpoint (safetensors, policy files)
    //   -> DVCGMechanism (the engine, round outcome, reports, engine state, simulated VSPs and bidding strategies)
    //   -> DVCGSimulation (experiments, baselines, training) -> dvcg
    //   -> DVCGService (the daemon, which does not import DVCGSimulation; with DVCGControl, the wire) -> dvcgd
    targets: [
        .target(name: "DVCGCore", swiftSettings: strictSettings),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "DVCGNeural", dependencies: ["DVCGCore", "COpenBLAS"], swiftSettings: strictSettings),
        .target(name: "DVCGCheckpoint", dependencies: ["DVCGCore", "DVCGNeural"], swiftSettings: strictSettings),
        .target(
            name: "DVCGMechanism", dependencies: ["DVCGCore", "DVCGNeural", "DVCGCheckpoint"],
            swiftSettings: strictSettings),
        .target(
            name: "DVCGSimulation", dependencies: ["DVCGCore", "DVCGNeural", "DVCGCheckpoint", "DVCGMechanism"],
            swiftSettings: strictSettings),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "DVCGCommandLine",
            dependencies: ["DVCGCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DVCGControl",
            dependencies: [
                "DVCGCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DVCGService",
            dependencies: [
                "DVCGCore", "DVCGCheckpoint", "DVCGMechanism", "CSystemd", "CZlib", "DVCGControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dvcgctl",
            dependencies: [
                "DVCGControl", "DVCGCore", "DVCGCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dvcgd",
            dependencies: [
                "DVCGService", "DVCGCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dvcg",
            dependencies: [
                "DVCGCore", "DVCGNeural", "DVCGCheckpoint", "DVCGMechanism", "DVCGSimulation", "DVCGCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DVCGCoreTests", dependencies: ["DVCGCore"], resources: [.copy("Fixtures")],
            swiftSettings: strictSettings),
        .testTarget(name: "DVCGNeuralTests", dependencies: ["DVCGNeural"], swiftSettings: strictSettings),
        .testTarget(
            name: "DVCGCheckpointTests", dependencies: ["DVCGCheckpoint"], resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "DVCGMechanismTests", dependencies: ["DVCGMechanism"], swiftSettings: strictSettings),
        .testTarget(
            name: "DVCGControlTests", dependencies: ["DVCGControl", "DVCGCore"], swiftSettings: strictSettings),
        .testTarget(name: "DVCGSimulationTests", dependencies: ["DVCGSimulation"], swiftSettings: strictSettings),
        .testTarget(
            name: "DVCGServiceTests",
            dependencies: [
                "DVCGService", "DVCGSimulation", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings),
        // Reads Sources/ and Package.swift: each target imports only the layers the README's map allows.
        .testTarget(name: "ArchitectureTests", swiftSettings: strictSettings),
        // Runs the real binaries; depends on them so that `swift build --build-tests` builds them first.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "dvcg", "dvcgd", "dvcgctl", "DVCGCore", "DVCGCheckpoint", "DVCGSimulation",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings),
    ]
)
