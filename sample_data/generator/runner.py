"""``generate()``: build the county group by group and stream every extract to disk."""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from random import Random

from .agencies import AGENCIES, RunContext
from .education import Enrolment, build_schools
from .errors import Distorter
from .ground_truth import FOLDER as TRUTH_FOLDER
from .ground_truth import GroundTruth
from .identifiers import NHS_CAPACITY, NhsNumbers
from .places import AddressSpace
from .population import Counters, GroupBuilder
from .staff import StaffFactory

MAX_PEOPLE = 800_000  # the NHS 999 test range holds about 909,000 valid numbers
DEFAULT_AS_OF = date(2026, 11, 1)


@dataclass(frozen=True)
class GenerationSummary:
    """What one run produced."""

    people: int
    households: int
    records: dict[str, int]
    seconds: float
    errors: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        """Person records across every source."""
        return sum(self.records.values())

    def injected(self, source: str) -> int:
        """How many errors were injected into ``source``'s records."""
        return sum(applied for _, applied in self.errors.get(source, {}).values())


def generate(
    out_dir: Path,
    *,
    seed: int = 1,
    people: int = 2000,
    as_of: date = DEFAULT_AS_OF,
    error_scale: float = 1.0,
    source_error_scale: Mapping[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Generate a synthetic county of ``people`` people into ``out_dir``.

    Every default error rate is multiplied by ``error_scale`` and then by its
    source's multiplier in ``source_error_scale`` (``{"health": 2.0, "schools": 0}``;
    1 for a source not named), capped at 1. The people do not depend on the rates,
    and a source's multiplier changes that source's extract only.

    The same seed, size, date and error rates always give byte-identical files.
    ``progress(done, total)`` is called about every 1% and once at the end.
    ``errors`` in the summary maps source -> error kind -> (eligible, injected).
    """
    if not 1 <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 1 and {MAX_PEOPLE:,}")
    scales = dict(source_error_scale or {})
    for name, value in {"error_scale": error_scale, **scales}.items():
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"the error multiplier for {name} must be a number, 0 or more")
    known = [agency.folder_name for agency in AGENCIES]
    unknown = sorted(set(scales) - set(known))
    if unknown:
        raise ValueError(f"no such source: {', '.join(unknown)} (sources: {', '.join(known)})")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    _clear(out_dir)
    setup = Random(f"{seed}:setup")
    counters = Counters(
        AddressSpace(seed, people),
        NhsNumbers(Random(f"{seed}:nhs").randrange(NHS_CAPACITY)),
    )
    truth = GroundTruth(out_dir)
    distorter = Distorter(error_scale, truth.log_error, source_scale=scales)
    staff = StaffFactory(setup)
    schools = build_schools(setup, people, staff)
    ctx = RunContext(out_dir, as_of, people, truth, distorter, staff, schools, setup)
    agencies = [agency(ctx) for agency in AGENCIES]
    enrolment = Enrolment(schools, as_of)
    done = households = index = 0
    step = max(1, people // 100)
    next_report = step
    while done < people:
        base = (seed * 1_000_003 + index) * 16
        group = GroupBuilder(counters, Random(base), people - done, as_of).build()
        enrolment.enrol_group(group, Random(base + 1))
        for stream, agency in enumerate(agencies, start=2):
            agency.add_group(group, Random(base + stream))
        truth.add_group(group)
        households += sum(
            1 for h in group.households if any(m.stints[-1].household is h for m in h.members)
        )
        done += len(group.people)
        index += 1
        if progress is not None and done >= next_report and done < people:
            progress(done, people)
            next_report = (done // step + 1) * step
    for agency in agencies:
        agency.finish()
    truth.close()
    if progress is not None:
        progress(done, people)
    errors = {
        source: {kind: (counts[0], counts[1]) for kind, counts in kinds.items()}
        for source, kinds in distorter.stats.items()
    }
    return GenerationSummary(
        people=done,
        households=households,
        records={a.folder_name: truth.per_source.get(a.folder_name, 0) for a in agencies},
        seconds=round(time.perf_counter() - began, 3),
        errors=errors,
    )


def _clear(out_dir: Path) -> None:
    """Remove earlier output of this generator (only the folders it writes)."""
    for name in (*(a.folder_name for a in AGENCIES), TRUTH_FOLDER):
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
    out_dir.mkdir(parents=True, exist_ok=True)
