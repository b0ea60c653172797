import ArgumentParser
import TrtcBenchmarks

/// The executable only hands over to the benchmark commands (the logic lives in TrtcBenchmarks).
@main
enum TrtcBench {
    static func main() async {
        await BenchCommand.main(nil)
    }
}
