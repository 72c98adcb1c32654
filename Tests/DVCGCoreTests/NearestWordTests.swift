import Testing

@testable import DVCGCore

/// The did-you-mean of verbs, options, YAML keys and VSP ids: edit distances by hand.
@Suite struct NearestWordTests {
    @Test func suggestsTyposButNotUnrelatedShortWords() {
        #expect(editDistance("stauts", "status") == 1, "a transposition counts 1")
        #expect(editDistance("foo", "log") == 2)
        #expect(nearestWord(to: "stauts", in: ["status", "vsps"]) == "status")
        #expect(nearestWord(to: "perod", in: ["period", "seed"]) == "period")
        #expect(nearestWord(to: "Fleet-8", in: ["fleet-7", "fleet-8"]) == "fleet-8")
        #expect(nearestWord(to: "optimise", in: ["optimum", "instance"]) == "optimum", "a shared 5-letter stem")
        #expect(
            nearestWord(to: "foo", in: ["log", "seed", "vsps"]) == nil, "two edits of three letters is another word")
        #expect(nearestWord(to: "sed", in: ["seed", "log"]) == "seed")
        #expect(nearestWord(to: "FLEET-8", in: ["fleet-7", "fleet-8"]) == "fleet-8", "case does not count")
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        #expect(nearestWord(to: "warn", in: levels) == "warning", "the one choice it begins")
        #expect(nearestWord(to: "crit", in: levels) == "critical")
        #expect(nearestWord(to: "ca", in: ["cache", "seed"]) == nil, "fewer than 3 letters begin nothing")
        #expect(nearestWord(to: "vsp-", in: ["vsp-10", "vsp-11"]) == nil, "it begins two")
        let formats = ["table", "jsonl", "csv"]
        #expect(nearestWord(to: "jsn", in: formats) == "jsonl", "the one choice it abbreviates")
        #expect(nearestWord(to: "tbl", in: formats) == "table")
        #expect(nearestWord(to: "sjn", in: formats) == nil, "an abbreviation begins with the choice's first letter")
        #expect(nearestWord(to: "vsp", in: ["vsp-10", "vsp-11"]) == nil, "it abbreviates two")
    }
}
