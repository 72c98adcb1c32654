/// The word of `choices` nearest to `word` by edit distance, when at most 2 edits (or a third of its
/// length) away, 1 for a word of up to 4 letters (`foo` is not `log`); else the one choice it begins, from 3
/// letters on (`warn`: `warning`); else the one choice it abbreviates (`jsn`: `jsonl`); else the one choice
/// that shares its first 5 letters (`optimise`: `optimum`); nil otherwise. Letters compare without case.
package func nearestWord(to word: String, in choices: [String]) -> String? {
    let limit = word.count <= 4 ? 1 : max(2, word.count / 3)
    // Case does not count: `FLEET-8` is `fleet-8`.
    let scored = choices.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
    if let nearest = scored.min(by: { $0.1 < $1.1 }) { return nearest.0 }
    let begun = choices.filter { word.count >= 3 && $0.lowercased().hasPrefix(word.lowercased()) }
    if begun.count == 1 { return begun[0] }
    // An abbreviation: its letters in order in one choice with the same first letter (`jsn`: `jsonl`, `tbl`:
    // `table`), from 3 letters on.
    let abbreviated = choices.filter { word.count >= 3 && isAbbreviation(word.lowercased(), of: $0.lowercased()) }
    if abbreviated.count == 1 { return abbreviated[0] }
    let stem = word.prefix(5)
    let sharing = choices.filter { stem.count == 5 && $0.hasPrefix(stem) }
    return sharing.count == 1 ? sharing[0] : nil
}

/// Whether `word`'s letters appear in order in `choice`, beginning with its first letter.
private func isAbbreviation(_ word: String, of choice: String) -> Bool {
    guard let first = word.first, choice.first == first else { return false }
    var rest = Substring(choice)
    for letter in word {
        guard let index = rest.firstIndex(of: letter) else { return false }
        rest = rest[rest.index(after: index)...]
    }
    return true
}

/// The Damerau-Levenshtein (optimal string alignment) distance between `a` and `b`: insertions,
/// deletions, substitutions and transpositions of neighbours each count 1.
package func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a)
    let y = Array(b)
    guard !x.isEmpty else { return y.count }
    guard !y.isEmpty else { return x.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[x.count][y.count]
}

/// The bidding strategy `text` was likely meant to be, from its word before any `:`: `truthfull` is
/// `truthful`, `scale:2` is `scaled:2` (`kinds` without their `:C`, e.g. `["truthful", "scaled"]`); nil
/// when the word is right (the number is what is wrong) or near none.
package func nearestBidding(to text: String, kinds: [String]) -> String? {
    let word = String(text.prefix { $0 != ":" })
    guard !kinds.contains(word), let kind = nearestWord(to: word, in: kinds) else { return nil }
    let number = text.dropFirst(word.count)
    return kind == "truthful" ? kind : kind + (number.isEmpty ? ":C" : number)
}

/// `expected dvcg or nvi, found 'dvgc' (did you mean 'dvcg'?)`: what a word outside `choices` is told, by
/// every program and in dvcgd.yaml; `shown` stands for `'found'` where the value is no word (a YAML list).
package func choiceMessage(_ choices: [String], found: String, shown: String? = nil) -> String {
    let listed =
        choices.count <= 1 ? choices.joined() : choices.dropLast().joined(separator: ", ") + " or " + choices.last!
    let nearest = nearestWord(to: found, in: choices).map { " (did you mean '\($0)'?)" } ?? ""
    return "expected \(listed), found \(shown ?? "'\(found)'")\(nearest)"
}
