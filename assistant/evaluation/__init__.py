"""Offline evaluations and benchmarks: scripted dialogues (dialogues.py) and latency (latency.py)."""
