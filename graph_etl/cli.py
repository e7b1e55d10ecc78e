"""`family-network`: the one command for the graph server, the ETL and the web app."""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
from pathlib import Path

from graph_etl import graph_server
from graph_etl.graph import (
    Graph,
    GraphConstraintError,
    GraphQueryError,
    GraphTimeoutError,
    GraphUnavailableError,
)
from graph_etl.settings import REPO_ROOT, GraphSettings

SAMPLE_COUNTY = REPO_ROOT / "sample_data" / "county"


def _graph_server(args: argparse.Namespace) -> int:
    settings = GraphSettings.from_env()
    if args.action == "start":
        if not settings.local:
            print(f"NEO4J_URI is set: using {settings.uri}; no local server to start.")
            return 0
        started = graph_server.start(settings)
        print(("started: " if started else "already running: ") + graph_server.status(settings))
    elif args.action == "stop":
        stopped = graph_server.stop(settings)
        print("local graph server stopped" if stopped else "local graph server was not running")
    else:
        print(graph_server.status(settings))
    return 0


def _etl(args: argparse.Namespace) -> int:
    from graph_etl import etl

    settings = GraphSettings.from_env()
    graph_server.start(settings)
    with Graph(settings) as graph:
        report = etl.run(
            graph,
            Path(args.extracts),
            Path(args.report) if args.report else None,
            rescore_all=args.rescore_all,
            keep_until_exit=True,  # (`command` ends the process without freeing it)
        )
    print(report.summary())
    failed = [name for name, item in report.sources.items() if item["status"] == "failed"]
    return 1 if failed else 0


def _generate(args: argparse.Namespace) -> int:
    from datetime import date

    from graph_etl.progress import Progress
    from sample_data.generator import DEFAULT_AS_OF, generate
    from sample_data.generator.cli import parse_error_rates

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else DEFAULT_AS_OF
    except ValueError:
        print(f"error: --as-of {args.as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    progress = Progress("people generated", args.people)
    try:
        summary = generate(
            Path(args.out),
            seed=args.seed,
            people=args.people,
            as_of=as_of,
            error_scale=args.error_scale,
            source_error_scale=parse_error_rates(args.error_rate),
            progress=lambda done, _total: progress(done - progress.done),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    progress.finish()
    print(
        f"Wrote {sum(summary.records.values()):,} source records for {summary.people:,} people "
        f"in {summary.households:,} households to {args.out} in {summary.seconds:.1f}s"
    )
    for source, count in summary.records.items():
        print(f"  {source:<20} {count:>9,} records {summary.injected(source):>7,} errors")
    return 0


def _serve(args: argparse.Namespace) -> int:
    """A threaded WSGI server for one machine; in production use any WSGI server."""
    from werkzeug.serving import make_server

    from webapp import create_app

    app = create_app()
    server = make_server(args.host, args.port, app, threaded=True)
    print(
        f"Family network web app on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if (connection := app.extensions.get("graph")) is not None:
            connection.close()
    return 0


def demo_school() -> str:
    """The first school of the sample county: the demo school DSL's own school."""
    with (SAMPLE_COUNTY / "schools" / "schools.csv").open(newline="", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))["school_name"]


def create_demo_users(password: str) -> dict[str, str]:
    """One user per role, username = role name, all with the given password; the
    school role belongs to a school of the sample county (it sees only its pupils).
    Returns each username's organisation."""
    from webapp import create_app, users
    from webapp.policy import load_policies

    app = create_app()
    created = {}
    for role, policy in load_policies().items():
        organisation = demo_school() if policy.organisation_scope else "Exampleshire Council"
        users.upsert(app.extensions["store"], role, password, role, organisation=organisation)
        created[role] = organisation
    return created


def _demo(args: argparse.Namespace) -> int:
    import signal

    from graph_etl import etl

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # `kill <pid>` stops the demo as Ctrl-C does. The graph server runs in a session
    # of its own (no signal reaches it), so every way out must stop it here.
    signal.signal(signal.SIGTERM, interrupt)
    settings = GraphSettings.from_env()
    started = False
    try:
        running = settings.local and graph_server.status(settings).startswith(
            "local graph server: running"
        )
        try:
            started = graph_server.start(settings)
        except KeyboardInterrupt:
            started = settings.local and not running  # interrupted starting it: stop it
            raise
        with Graph(settings) as graph:
            report = etl.run(graph, SAMPLE_COUNTY, settings.state_dir / "demo-load-report.json")
        print(report.summary())
        password = os.environ.get("DEMO_PASSWORD", "").strip() or secrets.token_urlsafe(12)
        names = create_demo_users(password)
        print("\nDemo users (username = role), all with password: " + password)
        for name, organisation in names.items():
            print(f"  {name:<22} {organisation}")
        print()
        return _serve(args)
    except KeyboardInterrupt:
        return 0
    finally:
        if started:
            graph_server.stop(settings)
            print("local graph server stopped", flush=True)


def _audit_verify(args: argparse.Namespace) -> int:
    from webapp import audit, config, store

    engine = store.make_engine(config.from_env()["DATABASE_URL"])
    intact, count, problem = audit.verify(engine)
    print(
        f"audit log {'intact' if intact else 'BROKEN'}: {count} events checked"
        + (f"; {problem}" if problem else "")
    )
    return 0 if intact else 1


def _governance_report(args: argparse.Namespace) -> int:
    """The data inventory for information governance, from manifests and policies."""
    from datetime import date

    import yaml

    from graph_etl import governance
    from graph_etl.sources import load_manifests
    from webapp.policy import POLICY_FILE, break_glass_rule, load_policies

    policies = load_policies()
    raw = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")) or {}
    rule = break_glass_rule() if raw.get("break_glass") else None
    break_glass = governance.BreakGlass(rule.minutes, dict(rule.levels)) if rule else None
    sources = governance.inventory(
        load_manifests(), policies, raw.get("restricted_fields") or {}, break_glass
    )
    if args.format == "csv":
        text = governance.to_csv(sources)
    else:
        text = governance.to_markdown(sources, policies, break_glass, date.today())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the data inventory for {len(sources)} sources to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="family-network", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    server = commands.add_parser("graph-server", help="start, stop or check the local graph server")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.set_defaults(run=_graph_server)

    etl = commands.add_parser("etl", help="load agency extracts into the graph")
    etl.add_argument(
        "--extracts",
        default=str(SAMPLE_COUNTY),
        help="folder with one sub-folder per source (default: the sample county)",
    )
    etl.add_argument("--report", help="write the load report (JSON) here")
    etl.add_argument(
        "--rescore-all",
        action="store_true",
        help="score every candidate pair again, not only those with a new or changed record",
    )
    etl.set_defaults(run=_etl)

    generate = commands.add_parser("generate", help="write a synthetic county's extracts")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--people", type=int, default=2000)
    generate.add_argument("--out", required=True)
    generate.add_argument(
        "--error-scale",
        type=float,
        default=1.0,
        help="multiply every default error rate (0 = clean extracts)",
    )
    generate.add_argument(
        "--error-rate",
        action="append",
        default=[],
        metavar="SOURCE=MULTIPLIER",
        help="multiply one source's error rates too, e.g. health=2 or schools=0 (repeatable)",
    )
    generate.add_argument(
        "--as-of", help="the extract date, YYYY-MM-DD (default 2026-11-01)", metavar="DATE"
    )
    generate.set_defaults(run=_generate)

    from graph_etl.matching import train

    trainer = commands.add_parser("train-matcher", help="train the person-matching model")
    train.add_arguments(trainer)
    trainer.set_defaults(run=train.run)

    port = int(os.environ.get("PORT", "5000"))
    for name, run, text in (
        ("serve", _serve, "serve the web app"),
        ("demo", _demo, "start the graph, load the sample county, serve"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=port)
        command.set_defaults(run=run)

    audit = commands.add_parser("audit-verify", help="check the audit log's hash chain")
    audit.set_defaults(run=_audit_verify)

    report = commands.add_parser(
        "governance-report",
        help="write the data inventory (sources, lawful basis, fields, who sees what)",
    )
    report.add_argument("--out", help="write it here (default: standard output)")
    report.add_argument("--format", choices=["md", "csv"], default="md")
    report.set_defaults(run=_governance_report)
    return top


def main(argv: list[str] | None = None) -> int:
    return _run(parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    try:
        return args.run(args)
    except (graph_server.GraphServerError, GraphUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GraphQueryError as exc:
        print(f"error: {graph_failure(exc)}", file=sys.stderr)
        return 1


def graph_failure(exc: GraphQueryError) -> str:
    """One line for a query the graph server failed: the query's name and what went
    wrong, not the server's message (which repeats the whole Cypher text)."""
    if isinstance(exc, GraphTimeoutError):
        limit = GraphSettings.from_env().query_timeout_ms
        return (
            f"query {exc.name!r} ran past the time limit ({limit:,} ms, "
            "FAMILY_NETWORK_QUERY_TIMEOUT_MS) and was rolled back; run it again when the "
            "machine is less busy, or raise the limit"
        )
    if isinstance(exc, GraphConstraintError):
        return str(exc)
    code = getattr(exc.__cause__, "code", None) or type(exc.__cause__).__name__
    return f"query {exc.name!r} failed on the graph server ({code}); its log says more"


def command() -> None:
    """The console script: `main`. After `etl`, the process ends at once, its output
    flushed: Python would otherwise free the run's working data first (about a second
    at 1,000,000 records; see `etl.run`'s `keep_until_exit`)."""
    args = parser().parse_args()
    code = _run(args)
    if args.run is _etl:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    command()
