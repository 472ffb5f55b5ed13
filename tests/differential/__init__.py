"""Differential tests: the mock and the real Prefect server, step by step."""
