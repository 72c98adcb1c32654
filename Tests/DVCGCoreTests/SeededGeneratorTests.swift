import Testing

@testable import DVCGCore

@Suite struct SeededGeneratorTests {
    @Test func sameSeedGivesSameStream() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
    }
}
