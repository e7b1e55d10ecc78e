"""The data inventory an information-governance team needs for its DPIA and sharing
agreements: per source, what is held (file and column), why it may be held (lawful
basis, legal gateway, agreement), how often it is refreshed, who owns it, and which
roles see what (level, restricted fields, involvement kinds, break-glass).

Pure functions over the source manifests and the role policies; `family-network
governance-report` writes the result as Markdown or CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from graph_etl.sources.manifest import Manifest

LEVEL_MEANING = {
    "full": "records, involvements, lead professionals and their contact details, and "
    "the restricted fields the role is granted",
    "summary": "records and involvements (kind, service, status, dates, lead professional "
    "and contact), but no restricted fields",
    "count": "only that the source holds records for a person, and how many involvements",
}
NOT_LOADED = "not loaded into the graph (validated on arrival only)"


class PolicyLike(Protocol):
    """What the report reads from a role policy (`webapp.policy.Policy`)."""

    title: str
    capabilities: frozenset[str]
    levels: dict[str, str]
    kinds: tuple[str, ...] | None
    fields: frozenset[str]


@dataclass(frozen=True)
class BreakGlass:
    minutes: int
    levels: dict[str, str]


@dataclass(frozen=True)
class ColumnUse:
    file: str
    path: str
    column: str
    type: str
    required: bool
    loaded_as: tuple[str, ...]  # canonical fields, e.g. person.dob
    restricted: tuple[str, ...]  # those of them that are restricted
    seen_by: tuple[str, ...]  # roles shown the values (break-glass aside)


@dataclass(frozen=True)
class RoleAccess:
    role: str
    title: str
    level: str
    restricted_fields: tuple[str, ...]
    kinds: str  # "all", "none" or the kinds, comma separated
    break_glass_level: str | None = None


@dataclass(frozen=True)
class SourceInventory:
    id: str
    governance: dict[str, str]
    organisation: dict[str, str]
    kinds: tuple[str, ...] | None  # involvement kinds; None when read from a column
    restricted_fields: tuple[str, ...]
    access: list[RoleAccess]
    columns: list[ColumnUse]

    @property
    def title(self) -> str:
        return self.governance["title"]


# -- what each column becomes -----------------------------------------------------------


def columns_in(spec: Any, file: str) -> set[tuple[str, str]]:
    """The (file, column) pairs whose values a manifest field spec loads (a lookup's
    `via` column only joins, so it is not one of them)."""
    if spec is None:
        return set()
    if isinstance(spec, str):
        return {(file, spec)}
    if not isinstance(spec, dict) or "value" in spec:
        return set()
    found: set[tuple[str, str]] = set()
    for inner in [*spec.get("first", []), *spec.get("join", [])]:
        found |= columns_in(inner, file)
    if "lookup" in spec:
        return found | {(spec["lookup"], spec["column"])}
    for key in ("column", "json"):
        if key in spec:
            found.add((file, spec[key]))
    return found


def constants_in(spec: Any) -> set[str] | None:
    """The values a spec can produce when they are fixed by the manifest; None when
    they come from the data."""
    if isinstance(spec, dict) and "value" in spec:
        return {str(spec["value"])}
    if isinstance(spec, dict) and "map" in spec:
        return {str(value) for value in spec["map"].values()}
    if isinstance(spec, dict) and "first" in spec:
        found: set[str] = set()
        for inner in spec["first"]:
            part = constants_in(inner)
            if part is None:
                return None
            found |= part
        return found
    return None


def canonical_fields(manifest: Manifest) -> dict[tuple[str, str], set[str]]:
    """(file, column) -> the canonical fields (`kind.field`) it is loaded as.
    An identifier's value is loaded as `person.<type>` (e.g. person.nhs_number); a
    record's key as `<kind>.key` (it is in the record's id and its deep link)."""
    uses: dict[tuple[str, str], set[str]] = {}
    for output in manifest.outputs:
        for pair in columns_in(output.key, output.source_file):
            uses.setdefault(pair, set()).add(f"{output.kind}.key")
        for name, spec in output.fields.items():
            targets = {f"{output.kind}.{name}"}
            if output.kind == "identifier" and name == "value":
                types = constants_in(output.fields.get("type")) or {"identifier"}
                targets = {f"person.{kind}" for kind in types}
            for pair in columns_in(spec, output.source_file):
                uses.setdefault(pair, set()).update(targets)
    return uses


def involvement_kinds(manifest: Manifest) -> tuple[str, ...] | None:
    found: set[str] = set()
    for output in manifest.outputs:
        if output.kind == "involvement":
            kinds = constants_in(output.fields.get("kind"))
            if kinds is None:
                return None
            found |= kinds
    return tuple(sorted(found))


# -- who sees what ----------------------------------------------------------------------


def sees_restricted(policy: PolicyLike, field: str, source: str) -> bool:
    """The rule `webapp.policy` enforces: a restricted involvement field only where the
    role sees the source in full; a restricted person field wherever the role is
    granted it (it is shown on the person, whichever source supplied it)."""
    if field not in policy.fields:
        return False
    return not field.startswith("involvement.") or policy.levels.get(source) == "full"


def _kinds_text(policy: PolicyLike, source_kinds: tuple[str, ...] | None) -> str:
    if policy.kinds is None:
        return "all"
    if source_kinds is None:
        return ", ".join(policy.kinds) or "none"
    shown = [kind for kind in source_kinds if kind in policy.kinds]
    return "all" if shown == list(source_kinds) and shown else ", ".join(shown) or "none"


def inventory(
    manifests: Mapping[str, Manifest],
    policies: Mapping[str, PolicyLike],
    restricted: Iterable[str] = (),
    break_glass: BreakGlass | None = None,
) -> list[SourceInventory]:
    """Every source with its governance facts, its columns and who sees them."""
    restricted_set = set(restricted) | {f for policy in policies.values() for f in policy.fields}
    result: list[SourceInventory] = []
    for source_id, manifest in sorted(manifests.items()):
        uses = canonical_fields(manifest)
        held = sorted({field for fields in uses.values() for field in fields} & restricted_set)
        kinds = involvement_kinds(manifest)
        access = [
            RoleAccess(
                role=role,
                title=policy.title,
                level=policy.levels[source_id],
                restricted_fields=tuple(f for f in held if sees_restricted(policy, f, source_id)),
                kinds="counts only"
                if policy.levels[source_id] == "count"
                else _kinds_text(policy, kinds),
                break_glass_level=_break_glass_level(policy, source_id, break_glass),
            )
            for role, policy in policies.items()
            if source_id in policy.levels
        ]
        access += [
            RoleAccess(role, policy.title, "none", (), "none", level)
            for role, policy in policies.items()
            if source_id not in policy.levels
            and (level := _break_glass_level(policy, source_id, break_glass))
        ]
        columns = [
            _column_use(manifest, file_name, column, uses, restricted_set, policies)
            for file_name, spec in manifest.files.items()
            for column in spec.columns
        ]
        result.append(
            SourceInventory(
                source_id,
                dict(manifest.governance),
                dict(manifest.organisation),
                kinds,
                tuple(held),
                access,
                columns,
            )
        )
    return result


def _break_glass_level(
    policy: PolicyLike, source: str, break_glass: BreakGlass | None
) -> str | None:
    if break_glass is None or "break_glass" not in policy.capabilities:
        return None
    widened = break_glass.levels.get(source)
    order = ("none", "count", "summary", "full")
    current = policy.levels.get(source, "none")
    return widened if widened and order.index(widened) > order.index(current) else None


def _column_use(
    manifest: Manifest,
    file_name: str,
    column: str,
    uses: dict[tuple[str, str], set[str]],
    restricted: set[str],
    policies: Mapping[str, PolicyLike],
) -> ColumnUse:
    spec = manifest.files[file_name]
    loaded = tuple(sorted(uses.get((file_name, column), set())))
    held = tuple(field for field in loaded if field in restricted)
    plain = [field for field in loaded if field not in restricted]
    seen_by = tuple(
        role
        for role, policy in policies.items()
        if (plain and policy.levels.get(manifest.id) in ("summary", "full"))
        or any(sees_restricted(policy, field, manifest.id) for field in held)
    )
    return ColumnUse(
        file=file_name,
        path=spec.path,
        column=column,
        type=str(spec.columns[column].get("type", "string")),
        required=bool(spec.columns[column].get("required")),
        loaded_as=loaded,
        restricted=held,
        seen_by=seen_by,
    )


# -- output -----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(headings: list[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    lines = [
        "| " + " | ".join(headings) + " |",
        "|" + "|".join("---" for _ in headings) + "|",
    ]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def to_markdown(
    sources: list[SourceInventory],
    policies: Mapping[str, PolicyLike],
    break_glass: BreakGlass | None = None,
    made_on: date | None = None,
) -> str:
    """The inventory as a Markdown document with headings and tables."""
    out = [
        "# Data inventory: family network explorer",
        "",
        (f"Made on {made_on:%d %B %Y} " if made_on else "Made ")
        + "by `family-network governance-report` from the source manifests "
        "(`graph_etl/sources/manifests/`) and the role policies (`policies/roles.yaml`). "
        "For each agency extract: what the service holds, the basis for holding it, "
        "and who can see it. Case notes are never loaded.",
        "",
        "## Access levels",
        "",
    ]
    out += [f"- **{level}**: {meaning}." for level, meaning in LEVEL_MEANING.items()]
    out += [
        "- **none**: nothing from the source.",
        "",
        "Restricted fields are shown only to the roles granted them; a restricted "
        "involvement field only where the role sees that source in full, a restricted "
        "person field (such as the NHS number) on the person, whichever source supplied "
        "it. Every view is recorded in the audit log.",
        "",
        "## Sources",
        "",
    ]
    out += _table(
        ["Source", "Owner", "Lawful basis", "Legal gateway", "Sharing agreement", "Refresh"],
        (
            [
                f"{s.title} (`{s.id}`)",
                s.governance["owner"],
                s.governance["lawful_basis"],
                s.governance["legal_gateway"],
                s.governance["sharing_agreement"],
                s.governance["refresh"],
            ]
            for s in sources
        ),
    )
    out += ["## Who sees which source", ""]
    out += _table(
        ["Role", *(f"`{s.id}`" for s in sources)],
        (
            [f"{policy.title} (`{role}`)", *(policy.levels.get(s.id, "none") for s in sources)]
            for role, policy in policies.items()
        ),
    )
    out += _restricted_section(sources, policies)
    if break_glass is not None:
        out += _break_glass_section(policies, break_glass)
    for source in sources:
        out += _source_section(source)
    return "\n".join(out).rstrip() + "\n"


def _restricted_section(
    sources: list[SourceInventory], policies: Mapping[str, PolicyLike]
) -> list[str]:
    fields = sorted({field for s in sources for field in s.restricted_fields})
    granted = {f: [r for r, p in policies.items() if f in p.fields] for f in fields}
    return [
        "## Restricted fields",
        "",
        *_table(
            ["Field", "Held by", "Roles granted"],
            (
                [
                    f"`{field}`",
                    ", ".join(s.title for s in sources if field in s.restricted_fields),
                    ", ".join(f"`{role}`" for role in granted[field]) or "none",
                ]
                for field in fields
            ),
        ),
    ]


def _break_glass_section(policies: Mapping[str, PolicyLike], break_glass: BreakGlass) -> list[str]:
    roles = [f"`{role}`" for role, p in policies.items() if "break_glass" in p.capabilities]
    levels = ", ".join(f"`{source}` {level}" for source, level in break_glass.levels.items())
    return [
        "## Break-glass",
        "",
        f"Out of hours, {', '.join(roles) or 'no role'} may widen their view for "
        f"{break_glass.minutes} minutes, giving a reason; each use is audited and raises "
        f"an alert to administrators. While it lasts they see: {levels or 'nothing more'}.",
        "",
    ]


def _source_section(source: SourceInventory) -> list[str]:
    g, org = source.governance, source.organisation
    out = [f"## {source.title} (`{source.id}`)", ""]
    out += _table(
        ["Fact", "Detail"],
        [
            ["Owner (data controller)", g["owner"]],
            ["Supplied by", f"{org.get('name', '')} ({org.get('sector', '')})"],
            ["Lawful basis", g["lawful_basis"]],
            ["Legal gateway", g["legal_gateway"]],
            ["Sharing agreement", g["sharing_agreement"]],
            ["Refresh", g["refresh"]],
            ["Record identifiers", g["id_scheme"]],
            ["Link into the source system", f"`{g['deep_link']}`"],
            ["Involvement kinds", ", ".join(source.kinds) if source.kinds else "from the data"],
            [
                "Restricted fields held",
                ", ".join(f"`{f}`" for f in source.restricted_fields) or "none",
            ],
        ],
    )
    out += [f"### Who sees {source.title}", ""]
    out += _table(
        ["Role", "Level", "Restricted fields shown", "Involvement kinds", "Break-glass level"],
        (
            [
                f"{a.title} (`{a.role}`)",
                a.level,
                ", ".join(f"`{f}`" for f in a.restricted_fields) or "none",
                a.kinds,
                a.break_glass_level or "",
            ]
            for a in source.access
        ),
    )
    out += [f"### Fields held by {source.title}", ""]
    files: dict[str, list[ColumnUse]] = {}
    for column in source.columns:
        files.setdefault(column.file, []).append(column)
    for name, columns in files.items():
        out += [f"#### `{name}` (`{columns[0].path}`)", ""]
        out += _table(
            ["Column", "Type", "Required", "Loaded as"],
            (
                [
                    f"`{c.column}`",
                    c.type,
                    "yes" if c.required else "no",
                    ", ".join(
                        f"`{f}` (restricted)" if f in c.restricted else f"`{f}`"
                        for f in c.loaded_as
                    )
                    or NOT_LOADED,
                ]
                for c in columns
            ),
        )
    return out


CSV_COLUMNS = (
    "source",
    "source_title",
    "owner",
    "supplied_by",
    "lawful_basis",
    "legal_gateway",
    "sharing_agreement",
    "refresh",
    "file",
    "path",
    "column",
    "type",
    "required",
    "loaded_as",
    "restricted",
    "roles_full",
    "roles_summary",
    "roles_count",
    "values_seen_by",
    "break_glass_widens",
)


def to_csv(sources: list[SourceInventory]) -> str:
    """One row per column of every source file, with the source's governance facts
    and the roles that see it (role lists separated by spaces)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sources:
        by_level = {
            level: " ".join(a.role for a in s.access if a.level == level)
            for level in ("full", "summary", "count")
        }
        widened = " ".join(
            f"{a.role}:{a.break_glass_level}" for a in s.access if a.break_glass_level
        )
        for c in s.columns:
            writer.writerow(
                [
                    s.id,
                    s.title,
                    s.governance["owner"],
                    s.organisation.get("name", ""),
                    s.governance["lawful_basis"],
                    s.governance["legal_gateway"],
                    s.governance["sharing_agreement"],
                    s.governance["refresh"],
                    c.file,
                    c.path,
                    c.column,
                    c.type,
                    "yes" if c.required else "no",
                    " ".join(c.loaded_as),
                    " ".join(c.restricted),
                    by_level["full"],
                    by_level["summary"],
                    by_level["count"],
                    " ".join(c.seen_by),
                    widened,
                ]
            )
    return buffer.getvalue()
