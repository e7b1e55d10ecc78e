"""The `family-network` command, on what needs no graph server."""

from __future__ import annotations

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
