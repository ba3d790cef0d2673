"""Fixers: ruff's own fixes, libcst codemods, and the agent."""
