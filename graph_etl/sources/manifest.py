"""Source manifests: one YAML file per agency extract.

A manifest says which files the agency sends, the type of every column, how rows
map onto the canonical record kinds below, and the governance facts (owner,
lawful basis, legal gateway, sharing agreement, refresh frequency, deep link).
Adding a tabular source needs a manifest only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from graph_etl.sources.values import PARSERS

MANIFEST_DIR = Path(__file__).resolve().parent / "manifests"

# Canonical record kinds and the fields each may carry; `person` refs are
# `file:key` references to a person record of the same source.
KINDS: dict[str, set[str]] = {
    "person": {
        "given_name",
        "family_name",
        "other_given_names",
        "dob",
        "sex",
        "nhs_number",
        "upn",
        "line1",
        "line2",
        "town",
        "postcode",
        "uprn",
        "address_from",
        "deceased",
    },
    "identifier": {"person", "type", "value"},
    "address": {"person", "line1", "line2", "town", "postcode", "uprn", "from", "to"},
    "family_group": {"person", "group"},
    "relationship": {"person", "related", "type", "detail"},
    "involvement": {
        "person",
        "kind",
        "service",
        "start",
        "end",
        "end_reason",
        "professional",
        "detail",
    },
    "professional": {"name", "role", "team", "organisation", "email", "phone"},
}
REQUIRED_FIELDS: dict[str, set[str]] = {
    "person": set(),
    "identifier": {"person", "type", "value"},
    "address": {"person"},
    "family_group": {"person", "group"},
    "relationship": {"person", "related", "type"},
    "involvement": {"person", "kind"},
    "professional": {"name"},
}
FAMILY_TYPES = (
    "PARENT_OF",
    "STEP_PARENT_OF",
    "GRANDPARENT_OF",
    "CARER_OF",
    "RELATIVE_OF",
    "PARTNER_OF",
    "SIBLING_OF",
    "HALF_SIBLING_OF",
)
# A manifest may name a relationship from the other side; it is stored one way only.
INVERSE_TYPES = {
    "CHILD_OF": "PARENT_OF",
    "STEP_CHILD_OF": "STEP_PARENT_OF",
    "GRANDCHILD_OF": "GRANDPARENT_OF",
    "CARED_FOR_BY": "CARER_OF",
}
REFRESH_FREQUENCIES = {"hourly", "daily", "weekly", "monthly"}
GOVERNANCE_KEYS = (
    "title",
    "owner",
    "refresh",
    "lawful_basis",
    "legal_gateway",
    "sharing_agreement",
    "id_scheme",
    "deep_link",
)
FIELD_SPEC_KEYS = {
    "value",
    "column",
    "map",
    "lookup",
    "via",
    "ref",
    "json",
    "key",
    "first",
    "join",
    "sep",
}


class ManifestError(ValueError):
    """A manifest that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class FileSpec:
    name: str
    path: str
    key: str | None
    columns: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class OutputSpec:
    kind: str
    source_file: str
    key: Any  # a field spec giving the record key (None: line number)
    fields: dict[str, Any]
    where: dict[str, Any] | None = None


@dataclass(frozen=True)
class Manifest:
    id: str
    path: Path
    organisation: dict[str, str]
    governance: dict[str, str]
    files: dict[str, FileSpec]
    outputs: list[OutputSpec]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.governance["title"]

    def described(self) -> str:
        """The manifest as text, without the folder its file is in: what a read (and a
        saved result made from one) depends on, the same wherever the code is installed."""
        return repr(replace(self, path=Path(self.path.name)))

    def lookup_files(self) -> set[str]:
        """Files other rows look values up in: these are indexed before the rest."""
        return set().union(*self._lookups_by_file().values())

    def lookups_of(self, name: str) -> set[str]:
        """The files that rows of file `name` look values up in."""
        return self._lookups_by_file()[name]

    def _lookups_by_file(self) -> dict[str, set[str]]:
        needs: dict[str, set[str]] = {name: set() for name in self.files}
        for output in self.outputs:
            for spec in [output.key, *output.fields.values()]:
                needs[output.source_file] |= _lookups_in(spec)
        return needs

    def read_order(self) -> list[str]:
        """Files in an order where every lookup target comes before its users."""
        needs = self._lookups_by_file()
        order: list[str] = []
        while len(order) < len(needs):
            ready = sorted(
                name
                for name, wanted in needs.items()
                if name not in order and wanted <= {*order, name}
            )
            if not ready:
                raise ManifestError(f"{self.path.name}: lookups between files form a cycle")
            # Targets of lookups first, then the rest, each group by name.
            targets = self.lookup_files()
            order.extend(sorted(ready, key=lambda name: (name not in targets, name))[:1])
        return order


def _lookups_in(spec: Any) -> set[str]:
    if not isinstance(spec, dict):
        return set()
    found = {spec["lookup"]} if "lookup" in spec else set()
    for inner in [*spec.get("first", []), *spec.get("join", [])]:
        found |= _lookups_in(inner)
    return found


def _fail(path: Path, message: str) -> ManifestError:
    return ManifestError(f"{path.name}: {message}")


def _check_field_spec(
    path: Path, where: str, spec: Any, files: dict[str, FileSpec], file_name: str
) -> None:
    if spec is None or isinstance(spec, str):
        if isinstance(spec, str) and spec not in files[file_name].columns:
            raise _fail(path, f"{where}: column {spec!r} is not declared in file {file_name!r}")
        return
    if not isinstance(spec, dict) or not set(spec) <= FIELD_SPEC_KEYS:
        raise _fail(path, f"{where}: unrecognised field spec {spec!r}")
    for combined in ("first", "join"):
        for inner in spec.get(combined, []):
            _check_field_spec(path, where, inner, files, file_name)
    if "first" in spec:
        return
    if "join" in spec:
        if "ref" in spec and spec["ref"] not in files:
            raise _fail(path, f"{where}: ref file {spec['ref']!r} is unknown")
        return
    if "value" in spec:
        return
    target = spec.get("lookup")
    if target is not None:
        if target not in files or not files[target].key:
            raise _fail(path, f"{where}: lookup file {target!r} is unknown or has no key")
        _check_field_spec(path, where, spec.get("via"), files, file_name)
        if spec.get("column") not in files[target].columns:
            raise _fail(path, f"{where}: {spec.get('column')!r} is not a column of {target!r}")
        return
    if "ref" in spec and spec["ref"] not in files:
        raise _fail(path, f"{where}: ref file {spec['ref']!r} is unknown")
    column = spec.get("column") or spec.get("json")
    _check_field_spec(path, where, column, files, file_name)


def parse_manifest(path: Path, data: dict[str, Any]) -> Manifest:
    """Check a manifest's structure and return it; raise `ManifestError` on any fault."""
    if not isinstance(data, dict) or "id" not in data:
        raise _fail(path, "needs an `id`")
    missing = [key for key in GOVERNANCE_KEYS if not data.get(key)]
    if missing:
        raise _fail(path, f"missing governance fields: {', '.join(missing)}")
    if data["refresh"] not in REFRESH_FREQUENCIES:
        raise _fail(path, f"refresh must be one of {sorted(REFRESH_FREQUENCIES)}")
    organisation = data.get("organisation") or {}
    if not {"id", "name", "sector"} <= set(organisation):
        raise _fail(path, "organisation needs id, name and sector")
    files: dict[str, FileSpec] = {}
    for name, spec in (data.get("files") or {}).items():
        columns = spec.get("columns") or {}
        for column, column_spec in columns.items():
            kind = (column_spec or {}).get("type", "string")
            if kind not in PARSERS:
                raise _fail(path, f"file {name}: column {column}: unknown type {kind!r}")
            if kind == "code" and not column_spec.get("codes"):
                raise _fail(path, f"file {name}: column {column}: code type needs `codes`")
        key = spec.get("key")
        if key is not None and key not in columns:
            raise _fail(path, f"file {name}: key {key!r} is not a declared column")
        files[name] = FileSpec(name, spec["path"], key, {c: s or {} for c, s in columns.items()})
    if not files:
        raise _fail(path, "declares no files")
    outputs: list[OutputSpec] = []
    for kind, entries in (data.get("records") or {}).items():
        if kind not in KINDS:
            raise _fail(path, f"unknown record kind {kind!r}; known: {', '.join(KINDS)}")
        for index, entry in enumerate(entries):
            where = f"records.{kind}[{index}]"
            source_file = entry.get("from")
            if source_file not in files:
                raise _fail(path, f"{where}: `from` must name a declared file")
            fields = entry.get("fields") or {}
            unknown = set(fields) - KINDS[kind]
            if unknown:
                raise _fail(path, f"{where}: unknown fields {sorted(unknown)} for {kind}")
            absent = REQUIRED_FIELDS[kind] - set(fields)
            if absent:
                raise _fail(path, f"{where}: {kind} needs fields {sorted(absent)}")
            for name, spec in fields.items():
                _check_field_spec(path, f"{where}.{name}", spec, files, source_file)
            key = entry.get("key", files[source_file].key)
            _check_field_spec(path, f"{where}.key", key, files, source_file)
            outputs.append(OutputSpec(kind, source_file, key, fields, entry.get("where")))
    return Manifest(
        id=str(data["id"]),
        path=path,
        organisation={k: str(v) for k, v in organisation.items()},
        governance={key: str(data[key]) for key in GOVERNANCE_KEYS},
        files=files,
        outputs=outputs,
        extra={k: v for k, v in data.items() if k not in {*GOVERNANCE_KEYS, "files", "records"}},
    )


def load_manifest(path: Path) -> Manifest:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(path, f"is not valid YAML: {exc}") from None
    return parse_manifest(path, data)


def load_manifests(directory: Path = MANIFEST_DIR) -> dict[str, Manifest]:
    """Every `*.yaml` manifest in a folder, by source id."""
    manifests: dict[str, Manifest] = {}
    for path in sorted(directory.glob("*.yaml")):
        manifest = load_manifest(path)
        if manifest.id in manifests:
            raise _fail(path, f"duplicate source id {manifest.id!r}")
        manifests[manifest.id] = manifest
    return manifests
