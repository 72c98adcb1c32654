import DVCGCommandLine
import DVCGCore
import DVCGSimulation
import Foundation

extension TrainCommand {
    /// The training curves as one SVG document (640 x 800): the greedy evaluations' welfare/optimum and the
    /// best so far above, the critic loss below, both over rounds.
    ///
    /// - Parameters:
    ///   - evaluations: (round, greedy ratio) of every evaluation.
    ///   - criticLoss: (round, critic loss), one point per round or fewer.
    static func trainingPlot(evaluations: [(round: Int, ratio: Double)], criticLoss: [(round: Int, loss: Double)])
        -> String
    {
        var best = -Double.infinity
        let bestSoFar = evaluations.map { point -> (x: Double, y: Double) in
            best = max(best, point.ratio)
            return (Double(point.round), best)
        }
        let ratio = SVGChart(
            title: "Greedy evaluations", xLabel: "round", yLabel: "welfare / optimum",
            series: [
                .init(name: "greedy", points: evaluations.map { (Double($0.round), $0.ratio) }),
                .init(name: "best so far", points: bestSoFar),
            ])
        let loss = SVGChart(
            title: "Critic loss", xLabel: "round", yLabel: "MSE",
            series: [.init(name: "critic loss", points: thinned(criticLoss.map { (Double($0.round), $0.loss) }))])
        let open = #"<svg xmlns="http://www.w3.org/2000/svg" "#
        func placed(_ chart: SVGChart, y: Int) -> String {
            let svg = chart.svg
            guard svg.hasPrefix(open) else { return svg }
            return #"<svg y="\#(y)" "# + svg.dropFirst(open.count)
        }
        // No update of the critic in the rounds trained (fewer than the bill's warm-up): the panel says so.
        let lossPanel =
            criticLoss.isEmpty
            ? #"<svg y="400" width="640" height="400"><text x="320" y="30" text-anchor="middle" font-size="16">Critic loss</text>"#
                + #"<text x="320" y="200" text-anchor="middle" font-size="13">no update of the critic in these rounds</text></svg>"#
            : placed(loss, y: 400)
        return open + #"width="640" height="800">"# + "\n" + placed(ratio, y: 0) + "\n" + lossPanel
            + "\n</svg>\n"
    }

    /// At most `limit` points of `points`, each the mean of a run of neighbours (a curve of 8,000 rounds stays
    /// a small file).
    static func thinned(_ points: [(x: Double, y: Double)], limit: Int = 500) -> [(x: Double, y: Double)] {
        guard points.count > limit else { return points }
        let run = (points.count + limit - 1) / limit
        return stride(from: 0, to: points.count, by: run).map { start in
            let slice = points[start..<min(start + run, points.count)]
            return (slice.last!.x, slice.map(\.y).reduce(0, +) / Double(slice.count))
        }
    }

    /// The time left when `done` of `total` took `elapsed`, for the progress lines: `ETA 1m 05s`, `ETA 12s`,
    /// `ETA -` before any.
    static func eta(elapsed: Duration, done: Int, total: Int) -> String {
        guard done > 0, total >= done else { return "ETA -" }
        let seconds = Int((elapsed.inSeconds * Double(total - done) / Double(done)).rounded())
        if seconds >= 3600 { return "ETA \(seconds / 3600)h \(String(format: "%02d", seconds / 60 % 60))m" }
        if seconds >= 60 { return "ETA \(seconds / 60)m \(String(format: "%02d", seconds % 60))s" }
        return "ETA \(seconds)s"
    }
}
