"""The `family-network` command, on what needs no graph server."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_etl import etl
from graph_etl.cli import main
from graph_etl.sources import load_manifests


def test_generate_writes_a_county_every_manifest_reads_clean(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["generate", "--seed", "7", "--people", "300", "--out", str(tmp_path)]) == 0
    assert "source records for 300 people" in capsys.readouterr().out
    report = etl.EtlReport(datetime.now(UTC))
    results = etl.read_all(load_manifests(), tmp_path, report)
    assert set(results) == set(load_manifests())
    for source, item in report.sources.items():
        assert item["rows_quarantined"] == 0, (source, item["quarantine_reasons"])


def test_generate_takes_error_rates_and_the_extract_date(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    def run(out: Path, *options: str) -> Counter[str]:
        argv = ["generate", "--seed", "7", "--people", "300", "--out", str(out), *options]
        assert main(argv) == 0
        with (out / "ground_truth" / "injected_errors.csv").open(encoding="utf-8") as handle:
            return Counter(row["source"] for row in csv.DictReader(handle))

    default = run(tmp_path / "default", "--as-of", "2025-06-30")
    options = ["--error-scale", "2", "--error-rate", "health=0", "--error-rate", "schools=0.5"]
    tuned = run(tmp_path / "tuned", "--as-of", "2025-06-30", *options)
    assert re.search(r"health +[\d,]+ records +0 errors", capsys.readouterr().out)
    assert default["health"] > 0 and tuned["health"] == 0
    assert tuned["schools"] == default["schools"] > 0  # 2 x 0.5: the default rates
    others = set(default) - {"health", "schools"}
    assert sum(tuned[s] for s in others) > sum(default[s] for s in others) > 0  # x 2
    stamp = json.loads((tmp_path / "tuned" / "police" / "_extract.json").read_text())
    assert stamp["extracted_at"].startswith("2025-06-30")
    report = etl.EtlReport(datetime.now(UTC))
    etl.read_all(load_manifests(), tmp_path / "tuned", report)
    for source, item in report.sources.items():
        assert item["rows_quarantined"] == 0, (source, item["quarantine_reasons"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--error-rate", "health"], "expected SOURCE=MULTIPLIER"),
        (["--error-rate", "pharmacy=2"], "no such source: pharmacy"),
        (["--error-scale", "-1"], "must be a number, 0 or more"),
        (["--as-of", "2025-13-01"], "is not a date"),
    ],
)
def test_generate_refuses_bad_options(tmp_path: Path, capsys, options, message) -> None:  # type: ignore[no-untyped-def]
    argv = ["generate", "--people", "10", "--out", str(tmp_path / "county"), *options]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "county").exists()


def test_unknown_command_is_a_usage_error(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_demo_users_one_per_role_and_the_school_role_at_a_real_school(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch
) -> None:
    from graph_etl.cli import create_demo_users, demo_school
    from webapp import create_app, users
    from webapp.policy import roles

    database = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    monkeypatch.setenv("FAMILY_NETWORK_DATABASE_URL", database)
    created = create_demo_users("demo-password-long")
    assert list(created) == roles()
    assert created["school_dsl"] == demo_school() != "Exampleshire Council"
    engine = create_app({"DATABASE_URL": database}).extensions["store"]
    user = users.authenticate(engine, "school_dsl", "demo-password-long")
    assert user.organisation == demo_school()


def failing(error: Exception):  # type: ignore[no-untyped-def]
    """A command that fails as a graph query does."""
    import argparse

    def run(args: argparse.Namespace) -> int:
        raise error

    return argparse.Namespace(run=run)


def server_error(code: str) -> Exception:
    from neo4j.exceptions import Neo4jError

    return Neo4jError._hydrate_neo4j(
        code=code, message="Error executing Cypher command: UNWIND $rows AS r CREATE (...)"
    )


@pytest.mark.parametrize(
    ("error", "status", "said"),
    [
        (
            "timeout",
            1,
            "error: query 'load/source_records_new' ran past the time limit (30,000 ms, "
            "FAMILY_NETWORK_QUERY_TIMEOUT_MS) and was rolled back",
        ),
        (
            "query",
            1,
            "error: query 'load/source_records_new' failed on the graph server "
            "(Neo.ClientError.Statement.SyntaxError)",
        ),
        ("unavailable", 2, "error: graph server unavailable during 'load/persons'"),
    ],
)
def test_a_graph_failure_is_one_clear_line_not_a_traceback(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, error, status, said
) -> None:
    from graph_etl.cli import _run
    from graph_etl.graph import GraphQueryError, GraphTimeoutError, GraphUnavailableError

    monkeypatch.delenv("FAMILY_NETWORK_QUERY_TIMEOUT_MS", raising=False)
    timed_out = server_error("Neo.ClientError.Transaction.TransactionTimedOut")
    syntax = server_error("Neo.ClientError.Statement.SyntaxError")
    raised = {
        "timeout": GraphTimeoutError("load/source_records_new", timed_out),
        "query": GraphQueryError("load/source_records_new", syntax),
        "unavailable": GraphUnavailableError("graph server unavailable during 'load/persons'"),
    }[error]
    raised.__cause__ = {"timeout": timed_out, "query": syntax}.get(error)  # (`raise ... from`)
    assert _run(failing(raised)) == status
    err = capsys.readouterr().err
    assert err.startswith(said)
    assert err.count("\n") == 1 and "Traceback" not in err and "UNWIND" not in err
