"""Benchmarks behind `tether bench`: each reports ratios measured within one run, as JSON."""
