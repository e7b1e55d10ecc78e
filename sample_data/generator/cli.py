"""Command line: ``python -m sample_data.generator --seed S --people N --out DIR``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .runner import DEFAULT_AS_OF, MAX_PEOPLE, generate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generator",
        description="Generate a deterministic synthetic county of agency extracts.",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--people",
        type=int,
        default=2000,
        help=f"number of people, 1 to {MAX_PEOPLE:,} (default 2000)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("sample_data/generated"),
        help="output folder (default sample_data/generated)",
    )
    parser.add_argument(
        "--error-scale",
        type=float,
        default=1.0,
        help="multiply every default error rate (0 = clean data)",
    )
    parser.add_argument(
        "--error-rate",
        action="append",
        default=[],
        metavar="SOURCE=MULTIPLIER",
        help="multiply one source's error rates too, e.g. health=2 or schools=0 (repeatable)",
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=DEFAULT_AS_OF,
        help="extract date, YYYY-MM-DD (default 2026-11-01)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def parse_error_rates(items: Sequence[str]) -> dict[str, float]:
    """``["health=2", "schools=0"]`` -> ``{"health": 2.0, "schools": 0.0}``: what
    ``--error-rate`` gives, each source's multiplier of its default error rates (a
    source named twice keeps the last). Raises ``ValueError`` on a malformed item;
    :func:`generate` checks the sources and the numbers."""
    rates: dict[str, float] = {}
    for item in items:
        source, equals, value = item.partition("=")
        try:
            if not (equals and source.strip()):
                raise ValueError
            rates[source.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"--error-rate {item!r}: expected SOURCE=MULTIPLIER, e.g. health=2.0"
            ) from None
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; progress goes to stderr, a summary to stdout."""
    args = _parser().parse_args(argv)

    def report(done: int, total: int) -> None:
        print(
            f"generated {done:,}/{total:,} people ({100 * done // total}%)",
            file=sys.stderr,
            flush=True,
        )

    try:
        summary = generate(
            args.out,
            seed=args.seed,
            people=args.people,
            as_of=args.as_of,
            error_scale=args.error_scale,
            source_error_scale=parse_error_rates(args.error_rate),
            progress=None if args.quiet else report,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.out}: {summary.people:,} people in {summary.households:,} households, "
        f"{summary.total_records:,} source records in {summary.seconds:.1f} s"
    )
    for source, count in summary.records.items():
        print(f"  {source:<18} {count:>9,} records {summary.injected(source):>7,} errors")
    return 0
