"""Benchmarks of the optimizer; each prints a table and can write JSON."""
