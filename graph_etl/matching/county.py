"""A synthetic county's person records and their true people, for training and
benchmarks (`sample_data/county/` or a folder from `python -m sample_data.generator`)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from graph_etl.matching.types import Record
from graph_etl.sources import load_manifests, read_source


def read_records(folder: Path, quiet: bool = False) -> list[Record]:
    """Every agency's person records, read and validated through its manifest."""
    return read_county(folder, quiet)[0]


def read_county(folder: Path, quiet: bool = False) -> tuple[list[Record], list[Record]]:
    """Every agency's person records, and its relationship and household-group
    records (for `match(relationships=...)`), read and validated through its manifest."""
    records: list[Record] = []
    relationships: list[Record] = []
    for source, manifest in load_manifests().items():
        extract = folder / source
        if not extract.is_dir():
            continue
        result = read_source(manifest, extract)
        people = result.people()
        relationships.extend(result.relationships())
        del result
        records.extend(people)
        if not quiet:
            print(f"  read {source}: {len(people):,} person records", file=sys.stderr, flush=True)
    return records, relationships


def read_truth(folder: Path) -> dict[str, str]:
    """Record id (`source:file:key`) -> true person id, from `ground_truth/`."""
    path = folder / "ground_truth" / "source_records.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            f"{row['source']}:{row['file']}:{row['record_key']}": row["person_id"]
            for row in csv.DictReader(handle)
        }


def read_twins_and_siblings(folder: Path) -> set[frozenset[str]]:
    """Pairs of true person ids that are twins or (half-)siblings."""
    pairs: set[frozenset[str]] = set()
    with (folder / "ground_truth" / "family_links.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["relationship"] in ("sibling_of", "half_sibling_of"):
                pairs.add(frozenset((row["person_id"], row["related_person_id"])))
    with (folder / "ground_truth" / "people.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("twin_of"):
                pairs.add(frozenset((row["person_id"], row["twin_of"])))
    return pairs
