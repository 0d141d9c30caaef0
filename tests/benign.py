"""Healthy gateway traffic for tests (the generator lives in benchmarks/loggen.py)."""
from loggen import benign_log, healthy_lines, inject  # noqa: F401
