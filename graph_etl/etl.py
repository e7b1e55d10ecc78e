"""The ETL pipeline: read every extract, link people, build graph rows, load them."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph_etl import linking, model
from graph_etl.graph import Graph
from graph_etl.load import load_rows
from graph_etl.sources import (
    Manifest,
    ReadResult,
    SourceFailedError,
    load_manifests,
    read_source,
)


@dataclass
class EtlReport:
    started_at: datetime
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: int = 0
    loaded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 2),
            "people": self.people,
            "sources": self.sources,
            "loaded": self.loaded,
        }

    def summary(self) -> str:
        lines = [f"ETL finished in {self.seconds:.1f}s: {self.people:,} people"]
        for source, report in self.sources.items():
            if report["status"] != "loaded":
                lines.append(f"  {source:<20} FAILED: {report['error']}")
                continue
            lines.append(
                f"  {source:<20} read {report['rows_read']:>8,}  accepted "
                f"{report['rows_accepted']:>8,}  quarantined {report['rows_quarantined']:>6,}"
            )
            for reason, count in sorted(report["quarantine_reasons"].items()):
                lines.append(f"      {count:>6,} x {reason}")
        return "\n".join(lines)


def read_all(
    manifests: dict[str, Manifest], extracts: Path, report: EtlReport
) -> dict[str, ReadResult]:
    """Read each source's folder; a failed source is reported and left out."""
    results: dict[str, ReadResult] = {}
    for source, manifest in manifests.items():
        folder = extracts / source
        if not folder.is_dir():
            report.sources[source] = {"status": "absent", "error": f"no folder {folder.name}/"}
            continue
        try:
            results[source] = read_source(manifest, folder)
        except SourceFailedError as exc:
            report.sources[source] = {"status": "failed", "error": str(exc)}
            continue
        report.sources[source] = results[source].report()
    return results


def run(
    graph: Graph,
    extracts: Path,
    report_path: Path | None = None,
    manifests: dict[str, Manifest] | None = None,
    quiet: bool = False,
) -> EtlReport:
    started = datetime.now(UTC)
    report = EtlReport(started)
    manifests = manifests if manifests is not None else load_manifests()
    if not quiet:
        print(f"Reading extracts in {extracts}", file=sys.stderr)
    results = read_all(manifests, extracts, report)
    people = [record for result in results.values() for record in result.people()]
    links = linking.link_records(people)
    report.people = len({link.person_id for link in links.values()})
    rows = model.build({source: manifests[source] for source in manifests}, results, links, started)
    report.loaded = load_rows(graph, rows, quiet=quiet)
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    return report
