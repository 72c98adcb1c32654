import Foundation

/// A minimal SVG line chart (one or more series over a shared x axis) for experiment outputs.
public struct SVGChart: Sendable {
    /// One named series of (x, y) points.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// The points, in drawing order.
        public var points: [(x: Double, y: Double)]

        /// Creates a series.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The chart title.
    public var title: String
    /// The x-axis label.
    public var xLabel: String
    /// The y-axis label.
    public var yLabel: String
    /// The series.
    public var series: [Series]
    /// Whether the x axis is logarithmic (base 2 ticks).
    public var logarithmicX: Bool

    /// x values marked by a dashed vertical line (e.g. the rounds of roster changes).
    public var markers: [Double]

    /// Creates a chart.
    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], logarithmicX: Bool = false,
        markers: [Double] = []
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicX = logarithmicX
        self.markers = markers
    }

    /// The chart as an SVG document (640 x 400).
    public var svg: String {
        let width = 640.0
        let height = 400.0
        let left = 70.0
        let right = 160.0
        let top = 40.0
        let bottom = 50.0
        let tx: (Double) -> Double = { logarithmicX ? log2($0) : $0 }
        let xs = series.flatMap { $0.points.map { tx($0.x) } }
        let ys = series.flatMap { $0.points.map(\.y) }
        guard let x0 = xs.min(), let x1 = xs.max(), var y0 = ys.min(), var y1 = ys.max() else { return "<svg/>" }
        if y1 - y0 < 1e-12 {
            y0 -= 1
            y1 += 1
        }
        let pad = 0.05 * (y1 - y0)
        // Values that are never negative (a loss, a ratio) get no negative tick from the padding.
        y0 = ys.min()! >= 0 ? max(0, y0 - pad) : y0 - pad
        y1 += pad
        let sx: (Double) -> Double = { left + (tx($0) - x0) / max(x1 - x0, 1e-12) * (width - left - right) }
        let sy: (Double) -> Double = { top + (y1 - $0) / (y1 - y0) * (height - top - bottom) }
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2 - right / 2)" y="22" text-anchor="middle" font-size="14">\(escape(title))</text>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
            <text x="\((left + width - right) / 2)" y="\(height - 12)" text-anchor="middle">\(escape(xLabel))</text>
            <text x="16" y="\((top + height - bottom) / 2)" text-anchor="middle" transform="rotate(-90 16 \((top + height - bottom) / 2))">\(escape(yLabel))</text>

            """
        for t in 0...4 {
            let y = y0 + (y1 - y0) * Double(t) / 4
            out += "<text x=\"\(left - 6)\" y=\"\(sy(y) + 4)\" text-anchor=\"end\">\(label(y))</text>\n"
            out += "<line x1=\"\(left)\" y1=\"\(sy(y))\" x2=\"\(width - right)\" y2=\"\(sy(y))\" stroke=\"#eee\"/>\n"
        }
        let ticks = Array(Set(series.flatMap { $0.points.map(\.x) })).sorted()
        for x in ticks.count <= 12 ? ticks : stride(from: 0, to: ticks.count, by: ticks.count / 8).map({ ticks[$0] }) {
            out += "<text x=\"\(sx(x))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(label(x))</text>\n"
        }
        for x in markers {
            out +=
                "<line x1=\"\(sx(x))\" y1=\"\(top)\" x2=\"\(sx(x))\" y2=\"\(height - bottom)\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
        }
        for (index, s) in series.enumerated() {
            let colour = colours[index % colours.count]
            let path = s.points.map { "\(sx($0.x)),\(sy($0.y))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            for p in s.points where s.points.count <= 40 {
                out += "<circle cx=\"\(sx(p.x))\" cy=\"\(sy(p.y))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
            let ly = top + 18 * Double(index)
            out +=
                "<line x1=\"\(width - right + 10)\" y1=\"\(ly)\" x2=\"\(width - right + 30)\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(width - right + 35)\" y=\"\(ly + 4)\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    private func label(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
