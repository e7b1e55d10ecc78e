"""The load benchmark's own figures (`benchmarks/load.py`)."""

from __future__ import annotations

from benchmarks.load import cpu_figures, machine_pace


def test_the_machine_pace_is_loop_times_and_what_a_fresh_page_costs() -> None:
    pace = machine_pace(megabytes=4)
    assert set(pace) == {"python_loop_seconds", "two_loops_seconds", "fresh_page_microseconds"}
    assert all(value > 0 for value in pace.values())


def test_a_runs_figures_count_the_servers_system_time_and_page_faults() -> None:
    before = {
        "etl": 10.0,
        "etl_system": 1.0,
        "read_workers": 2.0,
        "server": 5.0,
        "server_system": 0.5,
        "server_page_faults": 1_000,
        "etl_page_faults": 500,
    }
    after = {
        **before,
        "etl": 30.0,
        "server": 20.0,
        "server_system": 2.5,
        "server_page_faults": 81_000,
        "etl_page_faults": 1_500,
    }
    figures = cpu_figures(before, after, seconds=20.0)
    assert figures["server_system"] == 2.0
    assert figures["server_page_faults"] == 80_000 and figures["etl_page_faults"] == 1_000
    assert figures["total"] == 35.0 and figures["cores_busy"] == 1.75  # (ETL, workers, server)
