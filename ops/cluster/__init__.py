"""The production topology on one machine (``make cluster``, tests/scale/test_cluster.py)."""
