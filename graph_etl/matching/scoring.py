"""Score candidate record pairs with Splink on DuckDB (Spark: see `spark.py`).

Returns the pairs at or above the review threshold, strongest first, each with its
match weight, probability and comparison vector (one level per comparison, read back
from the per-comparison match weights Splink keeps with
`retain_intermediate_calculation_columns`).
"""

from __future__ import annotations

import logging
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
    record flagged in it; the whole table still gives the name frequencies)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    if changed is not None:
        table = table.append_column("changed", pa.array(changed, pa.bool_()))
    connection = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        db_api = DuckDBAPI(connection)
        records = db_api.register(table, table_name="records")
        # The model file's settings were checked when it was trained; checking them
        # again parses every rule and comparison level (a second or so of a refresh).
        linker = Linker(records, predict_settings(model, changed_only=changed is not None),
                        log_level=None, validate_settings=False)  # fmt: skip
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
