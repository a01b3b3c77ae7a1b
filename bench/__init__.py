"""satustok benchmarks: scenarios that print JSON figures (``make bench``), never timed tests."""
