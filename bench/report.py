"""Kept for older imports: the report lives in bench/harness.py."""

from bench.harness import Aim, Report, Row

__all__ = ["Aim", "Report", "Row"]
