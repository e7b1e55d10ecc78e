"""The ETL into the real graph server: what lands, and that a rerun converges."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from graph_etl import etl
from graph_etl.sources import load_manifests
from tests.conftest import MINI_COUNTY


def counts(graph) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(row["kind"], row["name"]): row["count"] for row in graph.read("admin/graph_counts")}


def test_mini_county_is_loaded(graph) -> None:  # type: ignore[no-untyped-def]
    found = counts(graph)
    assert found[("node", "Person")] == 4
    assert found[("node", "SourceRecord")] == 8
    assert found[("relationship", "PARENT_OF")] == 2
    assert found[("relationship", "LEAD")] == 5


def test_rerun_converges_and_writes_a_report(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = counts(graph)
    report_path = tmp_path / "report.json"
    report = etl.run(graph, MINI_COUNTY, report_path, quiet=True)
    assert counts(graph) == before
    written = json.loads(report_path.read_text())
    schools = written["sources"]["schools"]
    assert schools["rows_read"] == schools["rows_accepted"] + schools["rows_quarantined"] == 7
    assert "schools" in report.summary()


def test_absent_and_failed_sources_are_reported_not_fatal(tmp_path: Path) -> None:
    shutil.copytree(MINI_COUNTY / "schools", tmp_path / "schools")
    shutil.copytree(MINI_COUNTY / "social_care", tmp_path / "social_care")
    (tmp_path / "social_care" / "ssd_person.csv").unlink()
    report = etl.EtlReport(datetime.now(UTC))
    results = etl.read_all(load_manifests(), tmp_path, report)
    assert set(results) == {"schools"}
    assert report.sources["social_care"]["status"] == "failed"
    assert "ssd_person.csv is missing" in report.sources["social_care"]["error"]
    assert "FAILED" in report.summary()
