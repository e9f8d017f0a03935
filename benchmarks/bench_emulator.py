"""Measure emulator throughput: ``python benchmarks/bench_emulator.py [--requests N]``.

Thin wrapper around :mod:`video_api_emulator.bench` (bounded: it sends a fixed
number of requests and stops).
"""

from video_api_emulator.bench import main

if __name__ == "__main__":
    main()
