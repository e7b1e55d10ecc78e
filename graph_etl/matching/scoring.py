"""Score candidate record pairs with Splink on DuckDB (Spark: see `spark.py`).

Returns the pairs at or above the review threshold, strongest first, each with its
match weight, probability and comparison vector (one level per comparison, read back
from the per-comparison match weights Splink keeps with
`retain_intermediate_calculation_columns`).
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph_etl.matching.comparisons import blocking_rule_dicts
from graph_etl.matching.model_store import Model


@dataclass
class Edges:
    """Scored pairs (row numbers), sorted by match weight, strongest first.

    Pair i has comparison vector `patterns[pattern[i]][0]` (one level per comparison
    in `names`) and term-frequency adjustments `patterns[pattern[i]][1]` (bits, to 0.1;
    None when the model has none): distinct patterns are few, so they are shared."""

    left: list[int]
    right: list[int]
    weight: list[float]
    probability: list[float]
    pattern: list[int]
    patterns: list[tuple[tuple[int, ...], tuple[float, ...] | None]]
    names: list[str]

    def __len__(self) -> int:
        return len(self.left)

    @classmethod
    def empty(cls, names: list[str]) -> Edges:
        return cls([], [], [], [], [], [], names)


def narrowed(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocking rules that keep only pairs with a changed record (see `rescoring`):
    each rule twice, once for a changed left record and once for a changed right one.
    Together they find the pairs `rule AND (l.changed OR r.changed)` would, each once
    (Splink skips a pair an earlier rule found), but a condition on one side lets
    DuckDB join only the changed records to the table instead of the whole table to
    itself."""
    return [
        {**rule, "blocking_rule": f"({rule['blocking_rule']}) AND {side}.changed"}
        for rule in rules
        for side in ("l", "r")
    ]


def predict_settings(
    model: Model, dialect: str = "duckdb", changed_only: bool = False
) -> dict[str, Any]:
    """The model's Splink settings for predicting on `model.records` records
    (see `Model.for_records`) with our blocking rules for that size (`changed_only`:
    narrowed to pairs with a record whose `changed` column is true)."""
    settings = deepcopy(model.for_dialect(dialect))
    rules = blocking_rule_dicts(model.records, dialect)
    settings["blocking_rules_to_generate_predictions"] = narrowed(rules) if changed_only else rules
    settings["retain_matching_columns"] = False
    settings["retain_intermediate_calculation_columns"] = True
    settings["additional_columns_to_retain"] = []
    settings["linker_uid"] = "match"
    return settings


def edges_from_arrow(table: pa.Table, model: Model) -> Edges:
    """Sort predictions and turn each pair's per-comparison weights back into levels."""
    names = [comparison["output_column_name"] for comparison in model.splink["comparisons"]]
    order = pc.sort_indices(
        table,
        sort_keys=[("match_weight", "descending"), ("unique_id_l", "ascending"),
                   ("unique_id_r", "ascending")],
    )  # fmt: skip
    table = table.take(order)
    weights = model.weights()
    columns = []
    for name in names:
        lookup = {round(weight, 6): gamma for gamma, weight in weights[name].items()}
        lookup[0.0] = -1  # the null level; a real level of weight 0 is rare and harmless
        values = pc.round(table.column(f"mw_{name}"), 6).to_pylist()
        columns.append([lookup.get(value, -1) for value in values])
    adjusted = [name for name in names if f"mw_tf_adj_{name}" in table.column_names]
    zero = [0.0] * table.num_rows
    adjustments = [
        pc.round(pc.fill_null(table.column(f"mw_tf_adj_{name}"), 0.0), 1).to_pylist()
        if name in adjusted
        else zero
        for name in names
    ]
    index: dict[tuple[Any, ...], int] = {}
    if adjusted:
        keys = zip(zip(*columns, strict=True), zip(*adjustments, strict=True), strict=True)
    else:
        keys = zip(zip(*columns, strict=True), [None] * table.num_rows, strict=True)
    pattern = [index.setdefault(key, len(index)) for key in keys] if columns else []
    return Edges(
        left=table.column("unique_id_l").to_pylist(),
        right=table.column("unique_id_r").to_pylist(),
        weight=table.column("match_weight").to_pylist(),
        probability=table.column("match_probability").to_pylist(),
        pattern=pattern,
        patterns=list(index),
        names=names,
    )


def output_columns(columns: list[Any]) -> list[str]:
    """The prediction columns we read: ids, weights and per-comparison weights."""
    names = [column.unquote().name for column in columns]
    keep = ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
    return [name for name in names if name in keep or name.startswith("mw_")]


def score_duckdb(
    table: pa.Table,
    model: Model,
    threshold: float,
    memory_limit: str,
    changed: list[bool] | None = None,
) -> Edges:
    """Pairs with match probability >= `threshold` (`changed`: only pairs with a
    record flagged in it, scored among the records within their reach; the whole
    table still gives the name frequencies)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    settings = predict_settings(model, changed_only=changed is not None)
    connection = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        db_api = DuckDBAPI(connection)
        if changed is None:
            records = db_api.register(table, table_name="records")
            frequencies = {}
        else:
            connection.register("whole", table.append_column("changed", pa.array(changed)))
            frequencies = _frequencies(connection, settings)
            rules = blocking_rule_dicts(model.records, "duckdb")
            records = db_api.register(_within_reach(connection, rules), table_name="records")
            connection.unregister("whole")
        # The model file's settings were checked when it was trained; checking them
        # again parses every rule and comparison level (a second or so of a refresh).
        linker = Linker(records, settings, log_level=None, validate_settings=False)
        for column, lookup in frequencies.items():
            registered = db_api.register(lookup, table_name=f"frequencies_{column}")
            linker.table_management.register_term_frequency_lookup(registered, column)
        logging.getLogger("splink").setLevel(logging.ERROR)
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        arrow = connection.sql(
            f"SELECT {', '.join(output_columns(predictions.columns))} "  # noqa: S608
            f"FROM {predictions.physical_name}"
        ).to_arrow_table()
    finally:
        connection.close()
    return edges_from_arrow(arrow, model)


_SAME_COLUMN = re.compile(r'\(?l\.("?)(\w+)\1 = r\.\1\2\1\)?')


def _symmetric(rule: str) -> bool:
    """Whether `rule` only asks for columns to be equal on both sides (then a pair it
    finds with the left record changed, it finds with the right one changed too)."""
    return all(_SAME_COLUMN.fullmatch(part.strip()) for part in rule.split(" AND "))


def _within_reach(connection: Any, rules: list[dict[str, Any]]) -> str:
    """The name of a table of the records (of those registered `whole`) that are
    changed or that one of the blocking `rules` pairs with a changed record: every
    pair the narrowed rules find (see `narrowed`) has both records in it. Scoring
    them alone finds those pairs without joining and scoring the whole table (a 1%
    change in a million records reaches about 70,000 records)."""
    found = []
    for entry in rules:
        rule = entry["blocking_rule"]
        sides = [("r", "l")] if _symmetric(rule) else [("r", "l"), ("l", "r")]
        found.extend(
            f"SELECT {other}.unique_id FROM whole AS l JOIN whole AS r "  # noqa: S608
            f"ON {rule} WHERE {side}.changed"
            for other, side in sides
        )
    connection.execute(
        "CREATE TABLE within_reach AS SELECT * FROM whole "  # noqa: S608
        f"WHERE changed OR unique_id IN ({' UNION '.join(found)})"
    )
    return "within_reach"


def _frequencies(connection: Any, settings: dict[str, Any]) -> dict[str, pa.Table]:
    """Term-frequency lookups of the whole table (registered `whole`), as Splink
    computes them from its input, for each column the model adjusts for."""
    columns = sorted(
        {
            level["tf_adjustment_column"]
            for comparison in settings["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )
    prefix = settings.get("term_frequency_adjustment_column_prefix", "tf_")
    lookups = {}
    for column in columns:
        quoted = f'"{column}"'
        lookups[column] = connection.sql(
            f"SELECT {quoted}, CAST(count(*) AS FLOAT8) / "  # noqa: S608
            f'(SELECT count({quoted}) FROM whole) AS "{prefix}{column}" '
            f"FROM whole WHERE {quoted} IS NOT NULL GROUP BY {quoted}"
        ).to_arrow_table()
    return lookups
