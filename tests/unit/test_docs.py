"""Settings and commands that the README does not document fail the build."""

from __future__ import annotations

import re

from graph_etl.cli import parser
from graph_etl.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SETTING_FILES = [
    "graph_etl/settings.py",
    "graph_etl/matching/settings.py",
    "webapp/config.py",
    "graph_etl/cli.py",
]


def test_every_environment_variable_is_documented() -> None:
    names: set[str] = set()
    for path in SETTING_FILES:
        text = (REPO_ROOT / path).read_text()
        names |= set(re.findall(r"""(?:_env|environ\.get|getenv)\(\s*["']([A-Z_]+)["']""", text))
    assert names, "no settings found: did the pattern break?"
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert not missing, f"document these in README.md: {missing}"


def test_every_command_is_documented() -> None:
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = sorted(name for name in commands if f"family-network {name}" not in README)
    assert not missing, f"document these commands in README.md: {missing}"
