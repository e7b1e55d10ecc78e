"""docs/security.md names the test that proves each control: those tests must exist."""

from __future__ import annotations

import re

from graph_etl.settings import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def test_every_test_named_in_the_security_doc_exists() -> None:
    named = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", DOC))
    assert len(named) > 40, "did the reference format change?"
    missing = [
        f"{path}::{name}"
        for path, name in sorted(named)
        if not (REPO_ROOT / path).exists()
        or not re.search(rf"^def {name}\(", (REPO_ROOT / path).read_text(), re.M)
    ]
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
