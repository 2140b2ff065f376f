import ContentFilter
import ContentFilterFuzzing
import Testing

/// One compiled rule set shared by many streams on many threads at once.
@Suite struct ConcurrencyTests {
    @Test func thousandStreamsOverOneRuleSetMatchTheSequentialResults() async {
        let texts = StreamFilterContractTests.fixtures.map { Array($0.utf8) }
        let expected = texts.map { filterStream([$0], rules: .shipped).chunkingInvariantPart }
        let results = await withTaskGroup(of: (Int, FilterOutput).self) { group in
            for stream in 0..<1000 {
                group.addTask {
                    let index = stream % texts.count
                    var generator = SeededGenerator(state: UInt64(stream))
                    let output = filterStream(randomCutting(texts[index], using: &generator), rules: .shipped)
                    return (index, output.chunkingInvariantPart)
                }
            }
            var results: [(Int, FilterOutput)] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 1000)
        for (index, output) in results { #expect(output == expected[index]) }
    }
}
