"""Benchmark harness of Rathaus (``make bench``); never part of ``make test``."""
