"""Every Cypher file: loadable by name, parameterised, and reads never write."""

from __future__ import annotations

import pytest

from graph_etl import cypher_files
from graph_etl.cypher_files import CYPHER_DIR, UnknownQueryError
from graph_etl.load import LOAD_ORDER

QUERIES = sorted(p.stem for p in (CYPHER_DIR / "queries").glob("*.cypher"))


@pytest.mark.parametrize("name", QUERIES)
def test_queries_are_read_only_and_declare_what_they_return(name: str) -> None:
    assert cypher_files.is_read_only(cypher_files.load(f"queries/{name}"))
    assert cypher_files.header(f"queries/{name}").get("returns"), "add a `// returns:` line"


@pytest.mark.parametrize("name", QUERIES)
def test_policy_filtered_queries_take_a_sources_parameter(name: str) -> None:
    text = cypher_files.load(f"queries/{name}")
    assert "$sources" in text or "$count_sources" in text


def test_every_load_step_has_a_file() -> None:
    for name in LOAD_ORDER:
        text = cypher_files.load(f"load/{name}")
        assert text.startswith(("UNWIND $rows", "//")) and "MERGE" in text


def test_write_detection_ignores_comments_and_strings() -> None:
    assert cypher_files.is_read_only("MATCH (n) // CREATE nothing\nRETURN 'SET' AS x")
    assert not cypher_files.is_read_only("MATCH (n) SET n.x = 1")


@pytest.mark.parametrize("name", ["../secrets", "queries/../../x", "Queries/Person", ""])
def test_names_are_validated(name: str) -> None:
    with pytest.raises(UnknownQueryError):
        cypher_files.load(name)


def test_schema_is_idempotent_ddl() -> None:
    statements = cypher_files.statements("schema")
    assert statements and all("IF NOT EXISTS" in s for s in statements)
