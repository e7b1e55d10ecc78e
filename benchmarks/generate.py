"""Benchmark the synthetic county generator.

Usage: ``python benchmarks/generate.py [--records N] [--seed S]``

A small calibration run measures source records per person; the script then picks the
number of people that gives about N source records (default 1,000,000), generates them
into a temporary folder under /tmp, shows progress on stderr, and prints its figures as
one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_data.generator import MAX_PEOPLE, generate

CALIBRATION_PEOPLE = 5000


def _folder_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1_000_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="target number of source (person) records"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    def report(done: int, total: int) -> None:
        percent = 100 * done // total
        if percent % 5 == 0 or done == total:
            print(f"  {done:>9,}/{total:,} people ({percent}%)", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="family-network-generate-", dir="/tmp") as tmp:
        calibration = generate(Path(tmp) / "calibration", seed=args.seed, people=CALIBRATION_PEOPLE)
        per_person = calibration.total_records / calibration.people
        people = min(MAX_PEOPLE, max(1, math.ceil(args.records / per_person)))
        print(
            f"calibration: {per_person:.3f} source records per person; "
            f"generating {people:,} people for ~{args.records:,} records",
            file=sys.stderr,
        )
        out = Path(tmp) / "county"
        summary = generate(out, seed=args.seed, people=people, progress=report)
        output_mb = _folder_mb(out)
    for source, count in summary.records.items():
        print(f"  {source:<18} {count:>10,}", file=sys.stderr)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    figures = {
        "records": summary.total_records,
        "people": summary.people,
        "households": summary.households,
        "seconds": summary.seconds,
        "records_per_second": round(summary.total_records / summary.seconds),
        "peak_mb": round(peak_mb, 1),
        "output_mb": round(output_mb, 1),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
