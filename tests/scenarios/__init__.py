"""The scenarios tests/run.py runs, grouped by what they test."""
