import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What every program's command line holds to (issue 15): `--version` is the package's version, a usage error
/// exits 2 with `PROGRAM: VERB: message` (a mistyped verb gets the nearest one suggested), every other error
/// is one line `PROGRAM: VERB: message`, and amounts of VC are shown with 2 decimals for people and in full
/// precision in `--json` and CSV.
@Suite(.serialized) struct CommandLineConventionTests {
    /// The repository.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The package's version: the first line of debian/changelog, `dvcg (0.1.0) unstable; ...`.
    static let packageVersion: String = {
        let changelog =
            (try? String(contentsOf: root.appendingPathComponent("debian/changelog"), encoding: .utf8)) ?? ""
        let first = changelog.split(separator: "\n").first.map(String.init) ?? ""
        guard let open = first.firstIndex(of: "("), let close = first.firstIndex(of: ")") else { return "?" }
        return String(first[first.index(after: open)..<close])
    }()

    /// Whether `text` holds `pattern` (an extended regular expression).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// The first line of standard error.
    static func firstLine(_ result: Tool.Result) -> String {
        result.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }

    @Test(arguments: ["dvcg", "dvcgctl", "dvcgd"])
    func versionIsThePackagesVersion(_ program: String) throws {
        let result = try Tool.run(program, ["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Self.packageVersion + "\n", "\(program): \(result.stdout)")
    }

    /// groff 1.22 (Debian 12's man) writes the operating system, "BSD" by default, into an mdoc page's header and
    /// footer; each page names dvcg and its version instead.
    @Test(arguments: ["dvcg.1", "dvcgctl.8", "dvcgd.8", "dvcgd.yaml.5"])
    func manPagesNameDvcgAndItsVersionNotBSD(_ page: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("man/" + page), encoding: .utf8)
        #expect(text.contains("\n.ds doc-volume-operating-system\n"))
        #expect(text.contains("\n.ds doc-default-operating-system dvcg \(Self.packageVersion)\n"))
    }

    @Test func dvcgUsageErrorsExit2WithProgramVerbAndMessage() throws {
        let typo = try Tool.run("dvcg", ["optimu", "--instance", "x.json"])
        #expect(typo.status == 2)
        #expect(
            Self.firstLine(typo) == "dvcg: unknown verb 'optimu' (did you mean 'optimum'?); see 'dvcg --help'",
            "\(typo.stderr)")
        let missing = try Tool.run("dvcg", ["optimum"])
        #expect(missing.status == 2)
        #expect(
            Self.firstLine(missing).hasPrefix("dvcg: optimum: give exactly one of --instance FILE and --vsps N"),
            "\(missing.stderr)")
        #expect(missing.stderr.hasSuffix("; see 'dvcg optimum --help'\n"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "one line: \(missing.stderr)")
        let negative = try Tool.run("dvcg", ["instance", "--vsps", "-3"])
        #expect(negative.status == 2)
        #expect(
            Self.firstLine(negative).hasPrefix("dvcg: instance: --vsps: expected an integer in [1, 100000], found -3"),
            "\(negative.stderr)")
        // One wording for a value out of its range or choices, ours and swift-argument-parser's alike.
        for (arguments, message) in [
            (["instance", "--vsps", "0"], "dvcg: instance: --vsps: expected an integer in [1, 100000], found 0"),
            (
                ["train", "--vsps", "3", "--out", "p", "--algorithm", "mfmral"],
                "dvcg: train: --algorithm: expected mfmarl, marl or maddpg, found 'mfmral' (did you mean 'mfmarl'?)"
            ),
            (
                ["train", "--vsps", "3", "--out", "p", "--epsilon-end", "2"],
                "dvcg: train: --epsilon-end: expected a number in [0, 1], found 2"
            ),
            (["instance", "--vsps", "x"], "dvcg: instance: --vsps: expected a number, found 'x'"),
            (["help", "optimu"], "dvcg: help: unknown verb 'optimu' (did you mean 'optimum'?)"),
            // Eighth tour: an option the chosen training does not read is refused, not ignored.
            (
                ["train", "--markets", "random", "--plot", "x.svg", "--out", "p"],
                "dvcg: train: --plot: applies to --markets instance (a per-VSP policy trained over rounds); --markets random trains the shared policy without rounds"
            ),
            (
                ["train", "--vsps", "3", "--prior-steps", "10", "--out", "p"],
                "dvcg: train: --prior-steps: applies to --markets random (the shared policy) only"
            ),
            (["bench", "nn", "--vsps", "-2"], "dvcg: bench: nn: --vsps: expected an integer >= 1, found -2"),
            // Third tour: a typo before --help, counts of experiments and benchmarks, a transform's own message.
            (["optimun", "--help"], "dvcg: unknown verb 'optimun' (did you mean 'optimum'?)"),
            (
                ["experiment", "convergence", "--every", "0"],
                "dvcg: experiment: convergence: --every: expected an integer >= 1, found 0"
            ),
            (
                ["experiment", "dsic", "--factors", "0"],
                "dvcg: experiment: dsic: --factors: expected finite multiples > 0, found '0'"
            ),
            (["bench", "round", "--rounds", "4"], "dvcg: bench: round: --rounds: expected an integer >= 5, found 4"),
        ] {
            let refused = try Tool.run("dvcg", arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(Self.firstLine(refused).hasPrefix(message + "; see "), "\(refused.stderr)")
        }
        // swift-argument-parser checks a verb's own rules before unknown options: the unknown option is named.
        let misspelt = try Tool.run("dvcg", ["inspect", "--resorces", "3"])
        #expect(
            Self.firstLine(misspelt)
                == "dvcg: inspect: unknown option '--resorces' (did you mean '--resources'?); see 'dvcg inspect --help'",
            "\(misspelt.stderr)")
        let noResources = try Tool.run("dvcg", ["inspect", "--resources", "0", "x.safetensors"])
        #expect(
            noResources.status == 2
                && noResources.stderr.contains(
                    "--resources: expected an integer >= 1 (a configuration has at least one resource), found 0"),
            "\(noResources.stderr)")
        let nested = try Tool.run("dvcg", ["bench", "optimun"])
        #expect(
            Self.firstLine(nested)
                == "dvcg: bench: unknown verb 'optimun' (did you mean 'optimum'?); see 'dvcg bench --help'")
    }

    @Test func dvcgErrorsAreOneLineWithProgramAndVerb() throws {
        let unreadable = try Tool.run("dvcg", ["optimum", "--instance", "/nonexistent/testbed.json"])
        #expect(unreadable.status == 2)
        #expect(
            unreadable.stderr
                == "dvcg: optimum: /nonexistent/testbed.json: cannot read the file: No such file or directory\n",
            "as dvcgd says it")
        #expect(unreadable.stderr.split(separator: "\n").count == 1, "\(unreadable.stderr)")
        let notAPolicy = try Tool.temporaryFile("{}")
        defer { try? FileManager.default.removeItem(atPath: notAPolicy) }
        let inspect = try Tool.run("dvcg", ["inspect", notAPolicy])
        #expect(inspect.status == 1)
        #expect(inspect.stderr.hasPrefix("dvcg: inspect: \(notAPolicy): "), "\(inspect.stderr)")
    }

    @Test func dvcgShowsVCWithTwoDecimalsAndJSONInFull() throws {
        let instance = try Tool.run("dvcg", ["instance", "--vsps", "4", "--seed", "3"])
        let path = try Tool.temporaryFile(instance.stdout)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Tool.run("dvcg", ["optimum", "--instance", path])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(Self.matches(table.stdout, #"social welfare +[0-9]+\.[0-9]{2} VC "#), "\(table.stdout)")
        #expect(Self.matches(table.stdout, "\nvsp-0 "), "VSPs are named as evaluate names them: \(table.stdout)")
        let json = try Tool.run("dvcg", ["optimum", "--instance", path, "--json"])
        #expect(Self.matches(json.stdout, #""welfare" : [0-9]+\.[0-9]{5,}"#), "\(json.stdout)")
        // `-` is standard input, and the same instance gives the same answer.
        let piped = try Tool.run("dvcg", ["optimum", "--instance", "-", "--json"], input: instance.stdout)
        #expect(piped.status == 0 && piped.stdout == json.stdout, "\(piped.stderr)")
        // --vsps N --seed S draws the instance dvcg instance writes, as every verb that needs a market does.
        let drawn = try Tool.run("dvcg", ["optimum", "--vsps", "4", "--seed", "3", "--json"])
        #expect(drawn.status == 0 && drawn.stdout == json.stdout, "\(drawn.stderr)")
    }

    @Test func dvcgctlUsageErrorsExit2AndHelpListsTheGlobalOptions() throws {
        let typo = try Tool.run("dvcgctl", ["stauts"])
        #expect(typo.status == 2)
        #expect(
            Self.firstLine(typo) == "dvcgctl: unknown verb 'stauts' (did you mean 'status'?); see 'dvcgctl --help'",
            "\(typo.stderr)")
        let negative = try Tool.run("dvcgctl", ["bid", "fleet-8", "-5"])
        #expect(negative.status == 2)
        #expect(
            Self.firstLine(negative).hasPrefix(
                "dvcgctl: bid: <amount>: expected a finite number of VC in [0, 1e12], found -5"),
            "\(negative.stderr)")
        let invalid = try Tool.run("dvcgctl", ["dump-ledger", "--from", "9", "--to", "3"])
        #expect(invalid.status == 2)
        #expect(
            Self.firstLine(invalid)
                == "dvcgctl: dump-ledger: --from 9 is after --to 3; see 'dvcgctl dump-ledger --help'",
            "\(invalid.stderr)")
        let help = try Tool.run("dvcgctl", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--socket <path>") && help.stdout.contains("--json"), "\(help.stdout)")
        let unreachable = try Tool.run("dvcgctl", ["--socket", "/nonexistent/dvcgd.sock", "status"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.hasPrefix("dvcgctl: status: cannot reach dvcgd at /nonexistent/dvcgd.sock"))
        let file = try Tool.temporaryFile("period: 1s\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let notASocket = try Tool.run("dvcgctl", ["--socket", file, "status"])
        #expect(notASocket.status == 3)
        #expect(notASocket.stderr.contains(": not a socket (a file; see --socket"), "\(notASocket.stderr)")
        // The verb's rule (--external, or --beta and --xi) would hide the misspelt option: the option is named.
        let misspelt = try Tool.run("dvcgctl", ["add-vsp", "x", "--externel"])
        #expect(misspelt.status == 2)
        #expect(
            Self.firstLine(misspelt)
                == "dvcgctl: add-vsp: unknown option '--externel' (did you mean '--external'?); see 'dvcgctl add-vsp --help'",
            "\(misspelt.stderr)")
        // The daemon's limits are usage errors naming the option, before anything is sent (fifth tour).
        for (arguments, message) in [
            (
                ["add-vsp", "f", "--beta", "1e13", "--xi", "4,5,6"],
                "--beta: expected a finite number in [0, 1e12], found 10000000000000"
            ),
            (
                ["add-vsp", "f", "--beta", "1", "--xi", "4,5,abc"],
                "--xi takes comma-separated numbers, e.g. 1.5,0,3, found 'abc'"
            ),
            (
                ["add-vsp", "f", "--beta", "1", "--xi", "4,5,6", "--alpha", "0"],
                "--alpha: expected a finite number in (0, 1e12], found 0"
            ),
            (
                ["report", "f", "--round", "3", "--utility", "1e13", "--gross-profit", "5"],
                "--utility: expected a finite number of VC within ±1e12, found 10000000000000"
            ),
        ] {
            let refused = try Tool.run("dvcgctl", ["--socket", "/nonexistent/dvcgd.sock"] + arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(
                Self.firstLine(refused).hasPrefix("dvcgctl: \(arguments[0]): \(message); see "), "\(refused.stderr)")
        }
        // Fifth tour: a verb's prefix, a global option's missing value, a negative value named by its option.
        for (arguments, message) in [
            (["add"], "dvcgctl: unknown verb 'add' (did you mean 'add-vsp'?)"),
            (["--socket"], "dvcgctl: missing value for '--socket <path>'"),
            (["status", "--socket"], "dvcgctl: status: missing value for '--socket <path>'"),
            (["--socket", "/x.sock"], "dvcgctl: no verb given; options go with one ('dvcgctl VERB --socket ...')"),
            (
                ["add-vsp", "f", "--beta", "1", "--xi", "1,2,3", "--alpha", "-1"],
                "dvcgctl: add-vsp: --alpha: expected a finite number in (0, 1e12], found -1"
            ),
            (
                ["add-vsp", "f", "--beta", "1", "--xi", "1,2,3", "--bidding", "scaled:1e13"],
                "dvcgctl: add-vsp: --bidding: expected truthful or scaled:C with a number C in [0, 1e12], found 'scaled:1e13'"
            ),
            // Seventh tour: a misspelt choice gets the nearest one, a positional argument is named by its usage,
            // swift-argument-parser's own sentences read as ours, `help` of no verb is a usage error.
            (
                ["add-vsp", "f", "--beta", "1", "--xi", "1,2,3", "--bidding", "truthfull"],
                "dvcgctl: add-vsp: --bidding: expected truthful or scaled:C with a number C in [0, 1e12], found 'truthfull' (did you mean 'truthful'?)"
            ),
            (
                ["dump-ledger", "--format", "CSV"],
                "dvcgctl: dump-ledger: --format: expected table, jsonl or csv, found 'CSV' (did you mean 'csv'?)"
            ),
            (["bid", "f", "x"], "dvcgctl: bid: <amount>: expected a number, found 'x'"),
            (
                ["bid", "--round", "3", "f", "--", "-5"],
                "dvcgctl: bid: <amount>: expected a finite number of VC in [0, 1e12], found -5"
            ),
            (["dump-ledger", "--from", "1.5"], "dvcgctl: dump-ledger: --from: expected an integer, found '1.5'"),
            (["help", "stat"], "dvcgctl: help: unknown verb 'stat' (did you mean 'status'?)"),
            // Eighth tour: an unknown option without a verb is named as such; an abbreviation gets its choice.
            (["--bogus"], "dvcgctl: unknown option '--bogus'"),
            (["-V"], "dvcgctl: unknown option '-V'"),
            (
                ["--generate-completion-script", "tcsh"],
                "dvcgctl: --generate-completion-script: expected zsh, bash or fish, found 'tcsh'"
            ),
            (
                ["add-vsp", "a b", "--external"],
                "dvcgctl: add-vsp: <id>: expected 1 to 64 characters from [A-Za-z0-9._-], found 'a b'"
            ),
            (["stauts", "-h"], "dvcgctl: unknown verb 'stauts' (did you mean 'status'?)"),
            (["status", "--jsno"], "dvcgctl: status: unknown option '--jsno' (did you mean '--json'?)"),
            (
                ["dump-ledger", "--format", "jsn"],
                "dvcgctl: dump-ledger: --format: expected table, jsonl or csv, found 'jsn' (did you mean 'jsonl'?)"
            ),
        ] {
            let refused = try Tool.run("dvcgctl", arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(Self.firstLine(refused).hasPrefix(message + "; see "), "\(refused.stderr)")
        }
        // A file where the output's folder should be is said to be one, not "Permission denied" (eighth tour).
        let underAFile = try Tool.run(
            "dvcg", ["train", "--vsps", "3", "--rounds", "5", "--out", file + "/p.safetensors"])
        #expect(
            underAFile.status == 2
                && underAFile.stderr.contains("cannot write the file: \(file) is not a folder"),
            "\(underAFile.stderr)")
        let folder = try Tool.run("dvcg", ["inspect", FileManager.default.temporaryDirectory.path])
        #expect(folder.status == 2 && folder.stderr.contains(": cannot read the file: a folder"), "\(folder.stderr)")
        let list = try Tool.run("dvcgctl", ["archive", "--list", "--before", "5"])
        #expect(list.status == 2 && list.stderr.hasPrefix("dvcgctl: archive: --list takes no --before or --out"))
    }

    @Test func dvcgctlRefusalsNameTheVerbAndAmountsHaveTwoDecimals() throws {
        let fixture = try DaemonFixture(vsps: 2, period: "200ms", external: ["ext-1"])
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        func ctl(_ arguments: [String]) throws -> Tool.Result { try ControlAPITests.ctl(fixture, arguments) }
        #expect(try ctl(["pause"]).status == 0)

        let unknown = try ctl(["bid", "nosuch", "5"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "dvcgctl: bid: VSP 'nosuch' is not on the roster\n", "\(unknown.stderr)")
        let near = try ctl(["bid", "EXT-1", "5"])
        #expect(
            near.stderr == "dvcgctl: bid: VSP 'EXT-1' is not on the roster (did you mean 'ext-1'?)\n", "\(near.stderr)")
        let simulated = try ctl(["bid", "vsp-0", "50"])
        #expect(simulated.status == 1)
        #expect(simulated.stderr.hasPrefix("dvcgctl: bid: VSP 'vsp-0' is simulated"), "\(simulated.stderr)")
        let removed = try ctl(["remove-vsp", "nosuch"])
        #expect(removed.stderr == "dvcgctl: remove-vsp: VSP 'nosuch' is not on the roster\n", "\(removed.stderr)")
        let report = try ctl(["report", "ext-1", "--round", "1", "--utility", "3", "--gross-profit", "2"])
        #expect(report.status == 1)
        #expect(report.stderr.hasPrefix("dvcgctl: report: VSP 'ext-1' "), "\(report.stderr)")

        let bid = try ctl(["bid", "ext-1", "120.123456"])
        #expect(bid.stdout.hasPrefix("bid of 120.12 VC by ext-1 for round "), "\(bid.stdout)")
        let round = try ctl(["round"])
        #expect(Self.matches(round.stdout, #"^round [0-9]+: 3 VSPs, welfare estimate -?[0-9]+\.[0-9]{2} VC\n$"#))
        // A report's values may be negative, written as any other option value; amounts in refusals as sent.
        let number = round.stdout.split(separator: ":").first.map { $0.dropFirst("round ".count) } ?? ""
        let negative = try ctl([
            "report", "ext-1", "--round", String(number), "--utility", "-1", "--gross-profit", "-2.5",
        ])
        #expect(negative.status == 0, "\(negative.stderr)")
        // A report far from the VSP's bid is recorded, and named in the log (third tour).
        #expect(!fixture.stderr.contains("report far from its bid"), "-1 VC on a bid of 120.12 VC is not far")
        #expect(try ctl(["bid", "ext-1", "120.123456"]).status == 0)
        let second = try ctl(["round"])
        let secondNumber = second.stdout.split(separator: ":").first.map { $0.dropFirst("round ".count) } ?? ""
        let far = try ctl([
            "report", "ext-1", "--round", String(secondNumber), "--utility", "5000", "--gross-profit", "5000",
        ])
        #expect(far.status == 0, "\(far.stderr)")
        #expect(
            fixture.wait { fixture.stderr.contains("report far from its bid") && fixture.stderr.contains("vsp=ext-1") },
            "\(fixture.stderr)")
        let absurd = try ctl(["bid", "ext-1", "1100000000000"])
        #expect(
            absurd.status == 2
                && absurd.stderr
                    == "dvcgctl: bid: <amount>: expected a finite number of VC in [0, 1e12], found 1100000000000; see 'dvcgctl bid --help'\n",
            "\(absurd.stderr)")
        #expect(try ctl(["pause"]).stdout.hasPrefix("already paused before round "), "idempotent")
        let vsps = try ctl(["vsps"])
        #expect(vsps.stdout.contains("bandwidth (share)"), "\(vsps.stdout)")
        #expect(Self.matches(vsps.stdout, #"ext-1 .* 120\.12 "#), "\(vsps.stdout)")
        let status = try ctl(["status"])
        #expect(Self.matches(status.stdout, #"welfare estimate -?[0-9]+\.[0-9]{2} VC, pool -?[0-9]+\.[0-9]{2} VC"#))
        #expect(status.stdout.contains("when resumed (paused"), "\(status.stdout)")
        #expect(!status.stdout.contains("untrained"), "the fixture's policy carries no untrained mark")
        // ext-1 took part in the last round: the true efficiency is said unknown, not left out (seventh tour).
        #expect(status.stdout.contains("true not known (only for a round of simulated VSPs"), "\(status.stdout)")
        let json = try ctl(["--json", "vsps"])
        #expect(json.stdout.contains("120.123456"), "\(json.stdout)")
        // A policy from dvcg init-policy: status says what that means (second tour of 2026-12-04).
        let initialised = try Tool.run("dvcg", ["init-policy", "--out", fixture.policyPath + ".new"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        try FileManager.default.removeItem(atPath: fixture.policyPath)
        try FileManager.default.moveItem(atPath: fixture.policyPath + ".new", toPath: fixture.policyPath)
        #expect(try ctl(["reload"]).status == 0)
        let untrained = try ctl(["status"])
        #expect(
            untrained.stdout.contains("warning         the policy is untrained (dvcg init-policy)"),
            "\(untrained.stdout)")
        #expect(try ctl(["--json", "status"]).stdout.contains(#""untrained" : true"#))
        let table = try ctl(["dump-ledger", "--vsp", "ext-1"])
        #expect(
            Self.matches(
                table.stdout, #"^round +VSP +bid \(VC\) +financed bid \(VC\) +loan \(VC\) +bandwidth \(share\) "#),
            "\(table.stdout)")
        #expect(table.stdout.contains(" 120.12 "), "\(table.stdout)")
        let csv = try ctl(["dump-ledger", "--vsp", "ext-1", "--format", "csv"])
        #expect(csv.stdout.hasPrefix("round,vsp,bid,financed_bid,loan,bandwidth_share,computing_share,cache_share,"))
        // The financed bid beside the bid: a VSP without reports is financed up to 2 F_P / N (docs/learning.md).
        #expect(Self.matches(csv.stdout, #",ext-1,120\.123456,[0-9.e+-]+,"#), "\(csv.stdout)")

        // --json answers carry outcome and message, as pause, resume and reload do.
        let again = try ctl(["--json", "bid", "ext-1", "121"])
        let answer = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(answer?["outcome"] as? String == "accepted", "\(again.stdout)")
        #expect((answer?["message"] as? String)?.hasPrefix("bid of 121.00 VC by ext-1 for round ") == true)
        // Conflicting formats and a VSP the daemon never had are refused, not answered with nothing.
        let both = try ctl(["--json", "dump-ledger", "--format", "csv"])
        #expect(both.status == 2 && both.stderr.hasPrefix("dvcgctl: dump-ledger: --json means --format jsonl"))
        for format in ["table", "csv", "jsonl"] {
            let nobody = try ctl(["dump-ledger", "--vsp", "nobody", "--format", format])
            #expect(nobody.status == 1, "\(format): \(nobody.stdout)")
            #expect(
                nobody.stderr
                    == "dvcgctl: dump-ledger: --vsp: VSP 'nobody' has no rows in the ledger and is not on the roster\n",
                "\(nobody.stderr)")
        }
        // An empty table says what was asked and what the ledger holds (seventh tour).
        let empty = try ctl(["dump-ledger", "--from", "1000000", "--vsp", "ext-1"])
        #expect(empty.status == 0 && empty.stdout.isEmpty, "\(empty.stdout)")
        #expect(
            Self.matches(
                empty.stderr,
                #"^dvcgctl: dump-ledger: no ledger rows from round 1000000 on for VSP 'ext-1' \(the ledger holds rounds? 1(\.\.\.[0-9]+)?\)\n$"#
            ), "\(empty.stderr)")
        // A round ext-1 sits out: status names it (third tour).
        #expect(try ctl(["round"]).status == 0)
        #expect(try ctl(["round"]).status == 0)
        let sitting = try ctl(["status"])
        #expect(
            sitting.stdout.contains("(1 of the roster did not: ext-1; see dvcgctl vsps for why)"), "\(sitting.stdout)")
        #expect(try ctl(["--json", "status"]).stdout.contains(#""absent" : ["#))
        // When it was committed: while paused, how old the figures are (third tour).
        #expect(
            Self.matches(sitting.stdout, #"last round +[0-9]+ \(committed 20[0-9-]+T[0-9:]+Z\): "#), "\(sitting.stdout)"
        )
        // A second removal names the round the first takes effect at.
        #expect(try ctl(["remove-vsp", "ext-1"]).status == 0)
        let twice = try ctl(["remove-vsp", "ext-1"])
        #expect(twice.status == 1)
        #expect(
            Self.matches(
                twice.stderr, #"^dvcgctl: remove-vsp: VSP 'ext-1' already leaves the roster at round [0-9]+\n$"#),
            "\(twice.stderr)")
    }

    @Test func dvcgdUsageErrorsExit2AndItsLogRoundsNumbersForPeople() throws {
        let bogus = try Tool.run("dvcgd", ["--bogus"])
        #expect(bogus.status == 2)
        #expect(Self.firstLine(bogus) == "dvcgd: unknown option '--bogus'; see 'dvcgd --help'", "\(bogus.stderr)")
        let help = try Tool.run("dvcgd", ["--help"])
        #expect(help.stdout.contains("2 for a usage error"))
        let both = try Tool.run("dvcgd", ["--check-config", "--restore-archive", "a.jsonl.gz"])
        #expect(both.status == 2, "\(both.stderr)")
        #expect(both.stderr.hasPrefix("dvcgd: --check-config and --restore-archive exclude each other"))
        let missing = try Tool.run("dvcgd", ["--config", "/nonexistent/dvcgd.yaml"])
        #expect(missing.status == 1 && !missing.stderr.isEmpty)

        let fixture = try DaemonFixture(vsps: 2, period: "100ms")
        try fixture.start()
        #expect(fixture.waitForRound(2), "\(fixture.stderr)")
        let line = try #require(fixture.stderr.split(separator: "\n").first { $0.contains(" round committed ") })
        #expect(Self.matches(String(line), #" pool=-?[0-9]+\.[0-9]{2} "#), "\(line)")
        #expect(Self.matches(String(line), #" welfare_estimate=-?[0-9]+\.[0-9]{2}( |$)"#), "\(line)")
        #expect(!fixture.stderr.contains("Server started"), "Hummingbird's start line repeats ours")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    /// `dvcgctl vsps` lists VSPs in the order people count (vsp-2 before vsp-10), numbers right-aligned under
    /// their header (fourth tour).
    @Test func vspsAreInNaturalOrderWithNumbersRightAligned() throws {
        let fixture = try DaemonFixture(vsps: 11, period: "200ms")
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let vsps = try ControlAPITests.ctl(fixture, ["vsps"])
        #expect(vsps.status == 0, "\(vsps.stderr)")
        let lines = vsps.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.dropFirst().map { $0.prefix { $0 != " " } } == (0...10).map { "vsp-\($0)"[...] }, "\(vsps.stdout)")
        // Every share under "bandwidth (share)" ends where the header ends.
        let header = try #require(lines.first)
        let end = try #require(header.range(of: "bandwidth (share)")).upperBound
        let column = header.distance(from: header.startIndex, to: end)
        for line in lines.dropFirst() {
            let cell = line.prefix(column).split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(cell) != nil && line.dropFirst(column).first == " ", "\(line)")
        }
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }
}
