"""The trained model: versioned JSON files in `graph_etl/models/`.

A file holds our metadata and, under `"splink"`, the Splink model (settings with the
trained m and u probabilities) exactly as `linker.misc.save_model_to_json` writes it
for DuckDB. `match()` loads the newest `person_match_v<N>.json` unless
`FAMILY_NETWORK_MATCH_MODEL` names one.

Scaling to the data: the prior (the chance two random records are the same person)
and the chance that two random records share an address both fall in proportion to
the number of records. The file records how many records it was trained on;
`Model.for_records(n)` rescales both so that probabilities mean the same on a
thousand records as on a million.
"""

from __future__ import annotations

import json
import math
import re
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_etl.matching.comparisons import BY_NAME, FUNCTIONS

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
FORMAT = "family-network person match model"
_VERSIONED = re.compile(r"person_match_v(\d+)\.json$")


class ModelError(RuntimeError):
    """No usable model file."""


def model_files(folder: Path = MODELS_DIR) -> list[Path]:
    """`person_match_v<N>.json` files, oldest version first."""
    found = [(int(m.group(1)), path) for path in folder.glob("person_match_v*.json")
             if (m := _VERSIONED.search(path.name))]  # fmt: skip
    return [path for _, path in sorted(found)]


def next_model_path(folder: Path = MODELS_DIR) -> Path:
    files = model_files(folder)
    version = int(_VERSIONED.search(files[-1].name).group(1)) + 1 if files else 1  # type: ignore[union-attr]
    return folder / f"person_match_v{version}.json"


@dataclass
class Model:
    """A loaded model file."""

    version: str
    splink: dict[str, Any]
    records: int  # the number of input records the parameters are scaled for
    metadata: dict[str, Any]

    @property
    def prior(self) -> float:
        return float(self.splink["probability_two_random_records_match"])

    def for_records(self, records: int) -> Model:
        """The model rescaled for `records` input records (see the module docstring)."""
        scale = self.records / max(records, 2)
        if scale == 1.0:
            return self
        settings = deepcopy(self.splink)
        settings["probability_two_random_records_match"] = min(self.prior * scale, 0.5)
        for comparison in settings["comparisons"]:
            spec = BY_NAME.get(comparison["output_column_name"])
            if spec is None:
                continue
            population = {level.label for level in spec.levels if level.population}
            for level in comparison["comparison_levels"]:
                if level.get("label_for_charts") in population and level.get("u_probability"):
                    level["u_probability"] = min(level["u_probability"] * scale, 0.5)
        return Model(self.version, settings, records, self.metadata)

    def weights(self) -> dict[str, dict[int, float]]:
        """Match weight (log2 m/u) of every level: comparison -> gamma -> weight."""
        out: dict[str, dict[int, float]] = {}
        for comparison in self.splink["comparisons"]:
            levels = comparison["comparison_levels"]
            by_gamma: dict[int, float] = {}
            counter = sum(1 for level in levels if not level.get("is_null_level")) - 1
            for level in levels:
                if level.get("is_null_level"):
                    by_gamma[-1] = 0.0
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                by_gamma[counter] = _weight(m, u)
                counter -= 1
            out[comparison["output_column_name"]] = by_gamma
        return out

    def for_dialect(self, dialect: str) -> dict[str, Any]:
        """The Splink settings with SQL for `dialect` (the file holds DuckDB's)."""
        if dialect == "duckdb":
            return self.splink
        settings = deepcopy(self.splink)
        swaps = dict(zip(FUNCTIONS["duckdb"].values(), FUNCTIONS[dialect].values(), strict=True))
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                sql = level["sql_condition"]
                for old, new in swaps.items():
                    sql = re.sub(rf"\b{old}\(", f"{new}(", sql)
                level["sql_condition"] = sql
        settings["sql_dialect"] = dialect
        return settings


def _weight(m: Any, u: Any) -> float:
    if not isinstance(m, int | float) or not isinstance(u, int | float) or u <= 0:
        return 0.0
    return math.log2(max(m, 1e-12) / u)


def load(path: Path | None = None) -> Model:
    """The model at `path`, else the newest one in `graph_etl/models/`."""
    if path is None:
        files = model_files()
        if not files:
            raise ModelError(
                f"no person_match_v<N>.json in {MODELS_DIR}: run `family-network train-matcher`"
            )
        path = files[-1]
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the match model {path}: {exc}") from None
    if body.get("format") != FORMAT:
        raise ModelError(f"{path} is not a {FORMAT} file")
    return Model(
        version=Path(path).stem,
        splink=body["splink"],
        records=int(body["training"]["records"]),
        metadata={key: value for key, value in body.items() if key != "splink"},
    )


def save(path: Path, splink: dict[str, Any], training: dict[str, Any]) -> Path:
    """Write a model file (stable key order, so a retrain shows a readable diff)."""
    body = {"format": FORMAT, "training": training, "splink": splink}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path
