"""``python -m bench.rss_import --api-url … --accounts-url …``: import the benchmark shop in this
process and print one JSON line with its peak resident memory.

Run by the ``scale`` scenario in a subprocess on the benchmark's (flushed) database, so that the
peak is the import's own, with nothing else of the benchmark in it. The peak is ``VmHWM`` from
``/proc/self/status``: the high-water mark of this process's resident memory since its
``exec``. (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is not used: Linux carries the
parent's high-water mark across ``fork`` + ``exec``, so a child of a large benchmark process
would report the parent's size.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (kB) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"{field} not in /proc/self/status")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.rss_import")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--accounts-url", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    os.environ.setdefault("SATUSTOK_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    settings.TOKOPEDIA_API_URL = args.api_url
    settings.TOKOPEDIA_ACCOUNTS_URL = args.accounts_url
    from bench import seeds, stack

    account = stack.connect(seeds.SHOP_ID)
    baseline = _status_mb("VmHWM")
    started = time.perf_counter()
    run = stack.import_now(account)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "peak_rss_mb": _status_mb("VmHWM"),
                "baseline_rss_mb": baseline,  # Django set up and the shop connected
                "final_rss_mb": _status_mb("VmRSS"),
                "seconds": round(seconds, 1),
                "units_fetched": run.units_fetched,
                "units_per_second": round(run.units_fetched / seconds, 1),
                "state": run.state,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
