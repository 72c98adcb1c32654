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
        .library(name: "DVCGCore", targets: ["DVCGCore"]),
        .library(name: "DVCGLearning", targets: ["DVCGLearning"]),
        .library(name: "DVCGSimulation", targets: ["DVCGSimulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .target(name: "DVCGCore", swiftSettings: strictSettings),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "DVCGLearning", dependencies: ["DVCGCore", "COpenBLAS"], swiftSettings: strictSettings),
        .target(name: "DVCGSimulation", dependencies: ["DVCGCore", "DVCGLearning"], swiftSettings: strictSettings),
        .executableTarget(
            name: "dvcg",
            dependencies: [
                "DVCGCore", "DVCGLearning", "DVCGSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DVCGCoreTests", dependencies: ["DVCGCore"], resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(
            name: "DVCGLearningTests", dependencies: ["DVCGLearning"], resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "DVCGSimulationTests", dependencies: ["DVCGSimulation"], swiftSettings: strictSettings),
        // Runs the real binaries; depends on them so that `swift build --build-tests` builds them first.
        .testTarget(name: "EndToEndTests", dependencies: ["dvcg"], swiftSettings: strictSettings),
    ]
)
