"""Replay exercises: an isolated record and process, a recorded period or a scenario, scoring and review."""
