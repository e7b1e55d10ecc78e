"""The ETL into the real graph server: what lands, and that a rerun converges."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from graph_etl import etl
from graph_etl.sources import load_manifests
from tests.conftest import MINI_COUNTY, command


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


def etl_command(*args: str) -> subprocess.CompletedProcess[str]:
    """`family-network etl` with `args`, its output piped (and so buffered: the
    environment's PYTHONUNBUFFERED, if set, is left out)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [command(), "etl", *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def test_the_etl_command_reports_and_ends(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The real command, in a process of its own on this graph and state folder: it
    ends without freeing the run's data (`os._exit`), so its output must be flushed
    and its exit code given first."""
    before = counts(graph)
    report_path = tmp_path / "report.json"
    done = etl_command("--extracts", str(MINI_COUNTY), "--report", str(report_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ETL finished in")
    assert "schools" in done.stdout
    assert "load done" in done.stderr
    assert json.loads(report_path.read_text())["people"] == 4
    assert counts(graph) == before


def test_the_etl_command_gives_the_exit_code_of_a_failed_source(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A source that fails is reported and the command ends with 1 (its last good read
    is kept: the graph is as it was)."""
    before = counts(graph)
    shutil.copytree(MINI_COUNTY, tmp_path / "county")
    (tmp_path / "county" / "social_care" / "ssd_person.csv").unlink()
    done = etl_command("--extracts", str(tmp_path / "county"))
    assert done.returncode == 1, done.stderr
    assert "FAILED" in done.stdout
    assert counts(graph) == before


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
