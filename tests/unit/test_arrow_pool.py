"""The ETL's choice of the pool Arrow allocates from (`graph_etl.arrow_pool`)."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from graph_etl import arrow_pool


@pytest.fixture(autouse=True)
def pool_put_back() -> Iterator[None]:
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_the_etl_allocates_from_jemalloc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    pa.set_memory_pool(pa.system_memory_pool())
    assert arrow_pool.choose() == "jemalloc"
    assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.array(["a", "b"]).take(pa.array([1, 0])).to_pylist() == ["b", "a"]


def test_arrows_own_setting_is_left_to_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    pa.set_memory_pool(pa.system_memory_pool())
    assert arrow_pool.choose() == "system"


def test_a_wheel_without_jemalloc_keeps_its_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> pa.MemoryPool:
        raise NotImplementedError("built without jemalloc")

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.setattr(pa, "jemalloc_memory_pool", missing)
    pa.set_memory_pool(pa.system_memory_pool())
    assert arrow_pool.choose() == "system"
