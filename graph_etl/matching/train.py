"""Train the person-matching model and save it as the next `person_match_v<N>.json`.

Usage::

    family-network train-matcher [--county DIR ...] [--generate-people N]
        [--seed S] [--method labels|em] [--out FILE]

With no `--county`, a synthetic county of `--generate-people` people (default 20,000)
is generated with `--seed` (default 11, not the committed county's seed 1, so the
committed county stays unseen) into a temporary folder. `labels` (the default) learns
the m probabilities from the county's ground truth and the u probabilities from pairs
known to be different people (`u_from_labels`); `em` learns m unsupervised by
expectation maximisation and u by Splink's random sampling, for real extracts that
have no ground truth.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from graph_etl.matching import county, features, model_store
from graph_etl.matching.comparisons import (
    BY_NAME,
    FUNCTIONS,
    GIVEN_AGREE_SQL,
    NAMES_AGREE,
    splink_blocking_rules,
    splink_comparisons,
)
from graph_etl.matching.guards import Guards
from graph_etl.matching.types import Record

U_SAMPLE_PAIRS = 1e7
EM_RULES = (("dob",), ("given_meta", "family_meta"))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prior_from_labels(labels: Sequence[str]) -> float:
    """The share of all record pairs that are the same person."""
    sizes = Counter(labels).values()
    matches = sum(size * (size - 1) // 2 for size in sizes)
    total = len(labels) * (len(labels) - 1) // 2
    return max(matches / max(total, 1), 1e-9)


def train(
    records: Sequence[Record],
    labels: Sequence[str] | None = None,
    comparisons: list[str] | None = None,
    method: str = "labels",
    prior: float | None = None,
    relationships: Iterable[Record] = (),
    em_rules: Sequence[tuple[str, ...]] = EM_RULES,
) -> dict[str, Any]:
    """Fit the model on `records` and return Splink's model dict (DuckDB dialect).

    `labels[i]` is the true person of `records[i]` (needed for `method="labels"`);
    `comparisons` picks a subset of the comparisons (default: all); `relationships`
    are the sources' relationship records, for the guards (see `match()`); `em_rules`
    are the blocking rules of the expectation maximisation rounds, one round each (a
    round learns every comparison but those its rule blocks on)."""
    import duckdb
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    built = features.build(records)
    table = built.table
    assert table is not None
    if labels is not None:
        table = table.append_column("true_person", pa.array(list(labels), pa.string()))
    if prior is None:
        prior = prior_from_labels(labels) if labels is not None else 1 / max(len(records), 2)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=splink_comparisons("duckdb", comparisons),
        blocking_rules_to_generate_predictions=splink_blocking_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    connection = duckdb.connect()
    db_api = DuckDBAPI(connection)
    linker = Linker(db_api.register(table, table_name="records"), settings, log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    if method == "labels":
        if labels is None:
            raise ValueError("method 'labels' needs labels")
        _say("  m probabilities from the ground truth")
        linker.training.estimate_m_from_label_column("true_person")
    elif method == "em":
        _say(f"  u probabilities by random sampling ({U_SAMPLE_PAIRS:,.0f} pairs)")
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
        for rule in em_rules:
            _say(f"  m probabilities by expectation maximisation, blocking on {rule}")
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), fix_probability_two_random_records_match=True
            )
    else:
        raise ValueError(f"unknown training method {method!r}")
    model = linker.misc.save_model_to_json()
    if method == "labels":
        _say(f"  u probabilities from {U_SAMPLE_PAIRS:,.0f} random pairs of different people")
        u_from_labels(connection, model, Guards(built, relationships))
    connection.close()
    finish_parameters(model)
    return model


def _gamma_sql(comparison: dict[str, Any]) -> str:
    """The comparison's level index (as `Level`s are listed: null -1, then 0, 1, ...)."""
    cases = []
    for index, level in enumerate(comparison["comparison_levels"]):
        condition = level["sql_condition"]
        value = -1 if level.get("is_null_level") else index - 1
        if condition.strip().upper() == "ELSE":
            cases.append(f"ELSE {value}")
        else:
            cases.append(f"WHEN {condition} THEN {value}")
    return "CASE " + " ".join(cases) + " END"


def _compare(connection: Any, columns: list[str], pairs_sql: str) -> None:
    """Materialise table `compared`: the `_l`/`_r` columns of each pair of `pairs_sql`
    (columns a, b: row numbers) whose records are of different people."""
    both = [f"l.{name} AS {name}_l" for name in columns]
    both += [f"r.{name} AS {name}_r" for name in columns]
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE compared AS SELECT pairs.a, pairs.b, {', '.join(both)} "  # noqa: S608
        f"FROM ({pairs_sql}) pairs JOIN records l ON l.unique_id = pairs.a "
        "JOIN records r ON r.unique_id = pairs.b WHERE l.true_person <> r.true_person"
    )


def u_from_labels(
    connection: Any,
    model: dict[str, Any],
    guards: Guards,
    pairs: float = U_SAMPLE_PAIRS,
) -> None:
    """Set every level's u probability from pairs of records known to be different
    people. Splink's random sampling counts pairs of one person too; within a group such
    as "names agree" they are most of the pairs, and would make agreement look common.

    Most levels: a random sample of pairs. The address given that both names agree:
    every pair of namesakes (same family-name sound, given names agreeing) that no
    guard keeps apart. Namesakes at one address are nearly always a parent and child
    of one name, whom the guards separate (recorded relatives, ages, dates of birth);
    what the model must weigh is the namesake the guards cannot tell apart."""
    described = connection.execute("SELECT * FROM records LIMIT 0").description
    columns = [column[0] for column in described if column[0] not in ("unique_id", "true_person")]
    size = connection.execute("SELECT count(*) FROM records").fetchone()[0]
    connection.execute("SELECT setseed(0.25)")
    _compare(
        connection, columns,
        f"SELECT (random() * {size})::BIGINT % {size} AS a, "  # noqa: S608
        f"(random() * {size})::BIGINT % {size} AS b FROM range({int(pairs)})",
    )  # fmt: skip
    sampled = {
        comparison["output_column_name"]: Counter(dict(connection.execute(
            f"SELECT {_gamma_sql(comparison)} AS gamma, count(*) FROM compared GROUP BY ALL"  # noqa: S608
        ).fetchall()))
        for comparison in model["comparisons"]
    }  # fmt: skip
    agree = GIVEN_AGREE_SQL.format(**FUNCTIONS["duckdb"])
    _compare(
        connection, columns,
        "SELECT l.unique_id AS a, r.unique_id AS b FROM records l JOIN records r "
        "ON l.family_meta = r.family_meta AND l.unique_id < r.unique_id",
    )  # fmt: skip
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        spec = BY_NAME[name]
        counts = sampled[name]
        if any(level.group == NAMES_AGREE for level in spec.levels):
            rows = connection.execute(
                f"SELECT a, b, {_gamma_sql(comparison)} FROM compared WHERE {agree}"  # noqa: S608
            ).fetchall()
            namesakes = Counter(gamma for a, b, gamma in rows if guards.conflict(a, b) is None)
            counts = Counter({gamma: count for gamma, count in counts.items()
                              if spec.levels[gamma].group != NAMES_AGREE}) + namesakes  # fmt: skip
        levels = [level for level in comparison["comparison_levels"]
                  if not level.get("is_null_level")]  # fmt: skip
        for group in {level.group for level in spec.levels}:
            members = [gamma for gamma, level in enumerate(spec.levels) if level.group == group]
            # Half a pair more at every level: a level never seen among different
            # people is rare, not impossible.
            total = sum(counts.get(gamma, 0) + 0.5 for gamma in members)
            for gamma in members:
                levels[gamma]["u_probability"] = (counts.get(gamma, 0) + 0.5) / total


SMOOTHING = 0.002  # pooled m mass mixed into each group (0.2% of matching pairs)


def finish_parameters(model: dict[str, Any]) -> None:
    """Fix up trained m and u probabilities, comparison by comparison:

    * make m and u sum to one over the comparison, or, where levels are grouped (by
      name agreement), over each group: the group's levels then hold probabilities
      given the group. A group that true matches rarely fall in (family name agrees,
      given name differs) has too few pairs to estimate its own m, so each group's m
      is mixed with the m of the same level pooled over all groups, weighted as if
      `SMOOTHING` of the matching pairs were spread by the pooled m;
    * raise each level's m to its floor (a level never seen among true matches gets
      the floor, so its weight stays finite);
    * give levels whose evidence another comparison counts (`counted_in`) m = u,
      a weight of zero.
    """
    for comparison in model["comparisons"]:
        spec = BY_NAME[comparison["output_column_name"]]
        levels = [level for level in comparison["comparison_levels"]
                  if not level.get("is_null_level")]  # fmt: skip
        pairs = list(zip(levels, spec.levels, strict=True))
        for level, _ in pairs:
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                level[key] = value if isinstance(value, int | float) and value > 0 else 0.0
        groups: dict[str | None, list[dict[str, Any]]] = {}
        for level, level_spec in pairs:
            groups.setdefault(level_spec.group, []).append(level)
        if len(groups) > 1:
            pooled = [sum(group[k]["m_probability"] for group in groups.values())
                      for k in range(len(next(iter(groups.values()))))]  # fmt: skip
            pooled_total = sum(pooled) or 1.0
            for members in groups.values():
                for k, level in enumerate(members):
                    level["m_probability"] += SMOOTHING * pooled[k] / pooled_total
        for members in groups.values():
            for key in ("m_probability", "u_probability"):
                total = sum(level[key] for level in members) or 1.0
                for level in members:
                    level[key] = max(level[key] / total, 1e-9)
        for level, level_spec in pairs:
            level["m_probability"] = max(level["m_probability"], level_spec.m_floor)
            if level_spec.counted_in:
                level["m_probability"] = level["u_probability"]


def _county_records(
    folders: list[Path],
) -> tuple[list[Record], list[str] | None, list[Record]]:
    """Records and relationships of every folder, and each record's true person when
    every folder has its ground truth (`ground_truth/`), else None."""
    records: list[Record] = []
    labels: list[str] = []
    relationships: list[Record] = []
    labelled = all((folder / "ground_truth").is_dir() for folder in folders)
    for index, folder in enumerate(folders):
        found, related = county.read_county(folder)
        records.extend(found)
        relationships.extend(related)
        if labelled:
            truth = county.read_truth(folder)
            # Person ids restart in each county: prefix them so two counties stay apart.
            labels.extend(f"{index}:{truth[record['id']]}" for record in found)
    return records, labels if labelled else None, relationships


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--county",
        type=Path,
        action="append",
        default=[],
        help="a folder of extracts, one sub-folder per source (repeatable); with "
        "ground_truth/ beside them (a generated county) the labels method can use it",
    )
    parser.add_argument(
        "--generate-people",
        type=int,
        default=20_000,
        help="with no --county: people in the generated training county",
    )
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated county")
    parser.add_argument(
        "--method",
        choices=("labels", "em"),
        default="labels",
        help="labels: m from the ground truth; em: expectation maximisation",
    )
    parser.add_argument("--out", type=Path, help="default: the next person_match_v<N>.json")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="family-network-train-") as tmp:
        folders = list(args.county)
        source: dict[str, Any] = {"counties": [str(folder) for folder in folders]}
        if not folders:
            from sample_data.generator import generate

            _say(f"Generating a county of {args.generate_people:,} people (seed {args.seed})")
            generate(Path(tmp), seed=args.seed, people=args.generate_people)
            folders = [Path(tmp)]
            source = {"generated": {"seed": args.seed, "people": args.generate_people}}
        _say("Reading person records")
        records, labels, relationships = _county_records(folders)
        if labels is None and args.method == "labels":
            _say("error: these extracts have no ground_truth/: train with --method em")
            return 2
        people = len(set(labels)) if labels else None
        _say(f"Training on {len(records):,} records" + (f" of {people:,} people" if people else ""))
        splink = train(records, labels, method=args.method, relationships=relationships)
    out = args.out or model_store.next_model_path()
    training = {
        "records": len(records),
        "people": people,
        "method": args.method,
        "data": source,
        "trained_on": datetime.now(UTC).date().isoformat(),
    }
    model_store.save(out, splink, training)
    _say(f"Saved {out} in {time.monotonic() - started:.0f}s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="family-network train-matcher", description=__doc__.splitlines()[0]
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
