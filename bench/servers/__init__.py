"""The servers the benchmark measures, each started as its own process."""
