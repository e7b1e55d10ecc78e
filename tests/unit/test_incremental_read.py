"""Reading a changed extract with its last good read at hand (only rows with new
values validated) gives exactly what a full read of it gives: the committed county,
read and saved, then edited at random and read both ways."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import random
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph_etl import etl, read_pool, snapshots
from graph_etl.settings import REPO_ROOT
from graph_etl.sources import Manifest, ReadResult, load_manifests, read_source, reuse
from graph_etl.sources import reader as reader_module

COUNTY = REPO_ROOT / "sample_data" / "county"
MANIFESTS = load_manifests()


def save(state: Path, result: ReadResult, manifest: Manifest | None = None) -> None:
    manifest = manifest or MANIFESTS[result.source]
    snapshots.save(state, result, None, snapshots.read_basis(manifest))


def reread(state: Path, folder: Path, manifest: Manifest | None = None) -> ReadResult:
    """A read of `folder` that reuses the saved last good read."""
    manifest = manifest or MANIFESTS[folder.name]
    previous = snapshots.load_reusable(state, manifest)
    assert previous is not None
    return read_source(manifest, folder, previous)


def assert_same(got: ReadResult, want: ReadResult) -> None:
    assert got.extracted_at == want.extracted_at
    assert got.files == want.files
    assert got.quarantine == want.quarantine
    assert list(got.records) == list(want.records)
    for kind, records in got.records.items():  # the same records in the same order
        # (but person records this process loaded merged, as kept: `people` below)
        if kind != "person" or not (got.persons_merged or want.persons_merged):
            assert records == want.records[kind]
    assert got.people() == want.people()
    assert got.rows == want.rows  # so the next read can build on it too


@pytest.fixture()
def validated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows had their values validated (a list holding one count)."""
    count = [0]
    typed = reader_module._typed

    def counting(*args: Any) -> Any:
        count[0] += 1
        return typed(*args)

    monkeypatch.setattr(reader_module, "_typed", counting)
    return count


@pytest.fixture()
def county(tmp_path: Path) -> Path:
    target = tmp_path / "county"
    shutil.copytree(COUNTY, target, ignore=shutil.ignore_patterns("ground_truth"))
    return target


@pytest.fixture()
def state(tmp_path: Path, county: Path) -> Path:
    """The county's last good reads, as a full read saved them."""
    folder = tmp_path / "state"
    for source, manifest in MANIFESTS.items():
        save(folder, read_source(manifest, county / source))
    return folder


# Random edits of an extract's CSV files, as agencies' systems (and their faults) make.


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue().encode("utf-8")


def _values(line: bytes) -> list[str]:
    return next(csv.reader([line.decode("utf-8", "replace")]), [])


class Editor:
    """Applies random edits to one source's extract folder."""

    def __init__(self, rng: random.Random, folder: Path, manifest: Manifest) -> None:
        self.rng = rng
        self.folder = folder
        self.manifest = manifest

    def edit(self) -> str:
        edits: list[Callable[[Path, list[bytes]], None]] = [
            self.change_value,
            self.change_value,
            self.delete_rows,
            self.insert_copy,
            self.duplicate_key,
            self.malformed_row,
            self.move_rows,
            self.swap_columns,
        ]
        spec = self.rng.choice(list(self.manifest.files.values()))
        path = self.folder / spec.path
        lines = _lines(path)
        if len(lines) < 3 or self.rng.random() < 0.1:
            self.move_extract_date()
            return "extract date"
        edit = self.rng.choice(edits)
        edit(path, lines)
        path.write_bytes(b"\n".join(lines))
        return f"{edit.__name__} {spec.path}"

    def _row(self, lines: list[bytes]) -> int:
        """A random data line (not the header, not the empty tail)."""
        last = len(lines) - 1 if lines[-1] == b"" else len(lines)
        return self.rng.randrange(1, max(2, last))

    def change_value(self, path: Path, lines: list[bytes]) -> None:
        row = self._row(lines)
        values = _values(lines[row])
        if not values:
            return
        column = self.rng.randrange(len(values))
        other = _values(lines[self._row(lines)])
        choices = [
            other[column] if column < len(other) else "",
            "",
            f"x{self.rng.randrange(100)}",
            "2999-01-01",
            f" {values[column]} ",
            values[column].upper(),
            values[column][:-1],
            "31-DEC-2026",
        ]
        values[column] = self.rng.choice(choices)
        lines[row] = _csv_line(values)

    def delete_rows(self, path: Path, lines: list[bytes]) -> None:
        for _ in range(self.rng.randint(1, 3)):
            if len(lines) > 2:
                del lines[self._row(lines)]

    def insert_copy(self, path: Path, lines: list[bytes]) -> None:
        copied = lines[self._row(lines)]
        lines.insert(self._row(lines), copied)

    def duplicate_key(self, path: Path, lines: list[bytes]) -> None:
        header = _values(lines[0])
        key = self.manifest.files[self._name(path)].key
        row, other = self._row(lines), self._row(lines)
        values, others = _values(lines[row]), _values(lines[other])
        if key in header and len(values) == len(others) == len(header):
            values[header.index(key)] = others[header.index(key)]
            lines[row] = _csv_line(values)

    def malformed_row(self, path: Path, lines: list[bytes]) -> None:
        bad = self.rng.choice(
            [
                b"",
                b"just,two",
                b'"a quote left open,x',
                b"\xff\xfe not utf-8," + lines[self._row(lines)],
                lines[0],
                b'"a value\nrunning on",x',
            ]
        )
        lines.insert(self._row(lines), bad)

    def move_rows(self, path: Path, lines: list[bytes]) -> None:
        start = self._row(lines)
        block = lines[start : start + self.rng.randint(1, 5)]
        del lines[start : start + len(block)]
        at = self._row(lines) if len(lines) > 2 else 1
        lines[at:at] = block

    def swap_columns(self, path: Path, lines: list[bytes]) -> None:
        width = len(_values(lines[0]))
        first, second = self.rng.sample(range(width), 2)
        for number, line in enumerate(lines):
            values = _values(line)
            if len(values) == width:
                values[first], values[second] = values[second], values[first]
                lines[number] = _csv_line(values)

    def move_extract_date(self) -> None:
        stamp = self.folder / "_extract.json"
        data = json.loads(stamp.read_text())
        moved = datetime.fromisoformat(data["extracted_at"]) + timedelta(
            days=self.rng.choice([-400, -30, -1, 0, 1, 30, 400])
        )
        data["extracted_at"] = moved.isoformat()
        stamp.write_text(json.dumps(data))

    def _name(self, path: Path) -> str:
        return next(name for name, spec in self.manifest.files.items() if spec.path == path.name)


def edit_some(rng: random.Random, county: Path) -> None:
    """A few random edits of three extracts."""
    for source in rng.sample(sorted(MANIFESTS), 3):
        editor = Editor(rng, county / source, MANIFESTS[source])
        for _ in range(rng.randint(1, 6)):
            editor.edit()


@pytest.mark.parametrize("seed", range(8))
def test_an_edited_extract_reads_as_a_full_read_does(seed: int, county: Path, state: Path) -> None:
    """Two rounds of random edits; the second builds on the first's incremental read."""
    rng = random.Random(seed)
    for _ in range(2):
        edit_some(rng, county)
        for source, manifest in MANIFESTS.items():
            got = reread(state, county / source)
            assert_same(got, read_source(manifest, county / source))
            save(state, got)


@pytest.mark.parametrize("seed", range(8))
def test_a_reread_says_which_person_records_are_as_the_read_before_held_them(
    seed: int, county: Path, state: Path
) -> None:
    """After random edits, a person record said to be as it was (with its place in the
    read before) is there, equal, with equal items in equal order (when rows moved,
    none is said to be: a record's items may come in another order), so its merged
    person record is the one the read before merged."""
    rng = random.Random(seed)
    for round_ in range(2):
        edit_some(rng, county)
        for source, manifest in MANIFESTS.items():
            snapshots.save(state, snapshots.load(state, source), f"{source} read {round_}",
                           snapshots.read_basis(manifest))  # fmt: skip
            previous = snapshots.load_reusable(state, manifest)
            assert previous is not None
            got = read_source(manifest, county / source, previous)
            then = previous.records.get("person", [])
            place_of = {record["id"]: place for place, record in enumerate(then)}
            items_now, items_then = reuse.items_of(got), reuse.items_of(previous)
            same = got.same_as
            assert same is None or same.read == f"{source} read {round_}"
            people = got.records.get("person", []) if same is not None else []
            for record, place in zip(people, same.places if same else [], strict=True):
                ident = record["id"]
                if place >= 0:
                    assert place == place_of[ident] and then[place] == record
                    assert items_now.get(ident) == items_then.get(ident)
            earlier = previous.people()
            taking = dataclasses.replace(got, _people=None)
            taking.take_people_from(previous)
            assert taking.people() == read_source(manifest, county / source).people()
            taken = {id(record) for record in taking.people()} & set(map(id, earlier))
            assert len(taken) == sum(1 for place in (same.places if same else []) if place >= 0)
            save(state, got)


def test_only_rows_with_new_values_are_validated(
    county: Path, state: Path, validated: list[int]
) -> None:
    path = county / "health" / "patients.csv"
    lines = _lines(path)
    values = _values(lines[5])
    values[6] = "Flat 1, " + values[6]
    lines[5] = _csv_line(values)
    lines.insert(900, lines.pop(20))  # moved, and every line between moves up
    path.write_bytes(b"\n".join(lines))
    got = reread(state, county / "health")
    assert validated == [1]
    assert_same(got, read_source(MANIFESTS["health"], county / "health"))


def test_rows_as_they_were_in_a_keyed_file_are_given_without_reuse_one_by_one(
    county: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyed file's rows given again as the last read had them (one record each)
    take the short way (`_GivenAgain`); only the others go through `_reuse`, and the
    read is still that of a full read."""
    reused: list[int] = []
    reuse_one = reader_module._SourceReader._reuse

    def counting(self: Any, file: Any, values: Any, start: int, outcome: Any) -> Any:
        reused.append(start)
        return reuse_one(self, file, values, start, outcome)

    monkeypatch.setattr(reader_module._SourceReader, "_reuse", counting)
    path = county / "health" / "patients.csv"
    lines = _lines(path)
    values = _values(lines[5])
    values[6] = "Flat 1, " + values[6]
    lines[5] = _csv_line(values)
    lines.insert(2, lines[10])  # a copy of a row: its key is now an earlier row's
    path.write_bytes(b"\n".join(lines))
    got = reread(state, county / "health")
    assert got.files["patients"].rows_read > 1000
    assert reused == [12]  # (the row the copy took the key of, to be quarantined)
    assert_same(got, read_source(MANIFESTS["health"], county / "health"))


def test_rows_whose_keys_clash_are_given_one_at_a_time_not_the_rest_each_time(
    county: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extract written out twice: every row of the second copy is as the last read
    had it and its key an earlier row's. Each is handed to `_GivenAgain.give` once (not
    with the rest of its stretch each time: that took minutes at a million rows), and
    the read is still that of a full read."""
    handed: list[int] = []
    give = reader_module._GivenAgain.give

    def counting(self: Any, places: list[int], line: int) -> int:
        handed.append(len(places))
        return give(self, places, line)

    monkeypatch.setattr(reader_module._GivenAgain, "give", counting)
    path = county / "health" / "patients.csv"
    lines = [line for line in _lines(path) if line]
    path.write_bytes(b"\n".join([*lines, *lines[1:]]) + b"\n")
    got = reread(state, county / "health")
    assert got.files["patients"].rows_read == 2 * (len(lines) - 1)
    assert sum(handed) <= 2 * got.rows_read  # (each row handed over twice at most)
    assert_same(got, read_source(MANIFESTS["health"], county / "health"))


def test_a_row_whose_key_an_earlier_row_now_takes_is_quarantined(county: Path, state: Path) -> None:
    path = county / "health" / "patients.csv"
    lines = _lines(path)
    lines.insert(1, lines[10])  # the copy comes first: the unchanged row is the duplicate
    path.write_bytes(b"\n".join(lines))
    got = reread(state, county / "health")
    [item] = got.quarantine
    assert item.line == 12 and item.reason.endswith("is a duplicate key (first on line 2)")
    assert_same(got, read_source(MANIFESTS["health"], county / "health"))


def test_records_naming_a_removed_person_are_quarantined_and_come_back(
    county: Path, state: Path
) -> None:
    folder = county / "health"
    involvements = _lines(folder / "involvements.csv")
    patient = _values(involvements[1])[1]
    patients = folder / "patients.csv"
    original = patients.read_bytes()
    patients.write_bytes(
        b"\n".join(line for line in _lines(patients) if _values(line)[:1] != [patient])
    )
    got = reread(state, folder)
    assert any("is not a person in this extract" in item.reason for item in got.quarantine)
    assert_same(got, read_source(MANIFESTS["health"], folder))
    save(state, got)

    patients.write_bytes(original)  # back again: its involvements are accepted again
    got = reread(state, folder)
    assert got.quarantine == []
    assert_same(got, read_source(MANIFESTS["health"], folder))


def test_a_lookup_file_changed_means_its_users_are_validated(
    county: Path, state: Path, validated: list[int]
) -> None:
    path = county / "schools" / "schools.csv"
    path.write_bytes(path.read_bytes().replace(b"Primary", b"Primary School", 1))
    got = reread(state, county / "schools")
    assert_same(got, read_source(MANIFESTS["schools"], county / "schools"))
    users = [
        name
        for name in MANIFESTS["schools"].files
        if "schools" in MANIFESTS["schools"].lookups_of(name)
    ]
    assert users and validated[0] >= sum(got.files[name].rows_read for name in users)


@pytest.mark.parametrize("days", [-1, 1, 0])
def test_a_moved_extract_date_keeps_date_checks_right(county: Path, state: Path, days: int) -> None:
    """Rows with a date after the extract date are quarantined; the cap moves with it."""
    folder = county / "health"
    stamp = folder / "_extract.json"
    data = json.loads(stamp.read_text())
    cap = datetime.fromisoformat(data["extracted_at"])
    path = folder / "involvements.csv"
    lines = _lines(path)
    header = _values(lines[0])
    for line, when in ((4, cap), (5, cap + timedelta(days=1)), (6, cap - timedelta(days=1))):
        values = _values(lines[line - 1])
        values[header.index("referral_date")] = when.date().isoformat()
        lines[line - 1] = _csv_line(values)
    path.write_bytes(b"\n".join(lines))
    save(state, read_source(MANIFESTS["health"], folder))  # the row of tomorrow quarantined

    data["extracted_at"] = (cap + timedelta(days=days)).isoformat()
    stamp.write_text(json.dumps(data))
    got = reread(state, folder)
    assert_same(got, read_source(MANIFESTS["health"], folder))
    assert any(item.line == 5 for item in got.quarantine) == (days <= 0)
    assert any(item.line == 4 for item in got.quarantine) == (days < 0)
    assert not any(item.line == 6 for item in got.quarantine)


def _keyed_by_line(manifest: Manifest) -> Manifest:
    """The manifest with involvements keyed by their line (no key column)."""
    files = {**manifest.files}
    files["involvements"] = dataclasses.replace(files["involvements"], key=None)
    outputs = [
        dataclasses.replace(output, key=None) if output.source_file == "involvements" else output
        for output in manifest.outputs
    ]
    return dataclasses.replace(manifest, files=files, outputs=outputs)


@pytest.mark.parametrize("seed", range(4))
def test_records_keyed_by_their_line_follow_a_moved_row(
    seed: int, county: Path, tmp_path: Path
) -> None:
    manifest = _keyed_by_line(MANIFESTS["health"])
    folder = county / "health"
    state = tmp_path / "line-state"
    save(state, read_source(manifest, folder), manifest)
    rng = random.Random(seed)
    editor = Editor(rng, folder, manifest)
    path = folder / "involvements.csv"
    for _ in range(3):
        lines = _lines(path)
        rng.choice([editor.move_rows, editor.insert_copy, editor.delete_rows])(path, lines)
        path.write_bytes(b"\n".join(lines))
    got = reread(state, folder, manifest)
    assert_same(got, read_source(manifest, folder))


# When nothing is reused: every row is validated, as before.


def _edit_one_value(county: Path) -> None:
    path = county / "health" / "patients.csv"
    path.write_bytes(path.read_bytes().replace(b"Road", b"Rd", 1))


def test_a_changed_manifest_means_a_full_read(county: Path, state: Path) -> None:
    _edit_one_value(county)
    manifest = MANIFESTS["health"]
    changed = dataclasses.replace(manifest, governance={**manifest.governance, "refresh": "weekly"})
    assert snapshots.load_reusable(state, changed) is None
    assert snapshots.load_reusable(state, manifest) is not None


def test_changed_reader_code_means_a_full_read(
    county: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "_reader_code_digest", lambda: "another version")
    assert snapshots.load_reusable(state, MANIFESTS["health"]) is None


def test_a_snapshot_of_an_older_format_means_a_full_read(state: Path) -> None:
    path = state / "last_good" / "health.snapshot"
    header, body = path.read_bytes().split(b"\n", 1)
    path.write_bytes(json.dumps({**json.loads(header), "format": 2}).encode() + b"\n" + body)
    assert snapshots.load_reusable(state, MANIFESTS["health"]) is None
    assert snapshots.load(state, "health") is not None  # still kept for a failed extract


def test_a_compressed_snapshot_an_earlier_version_kept_is_read_then_replaced(
    state: Path,
) -> None:
    path = state / "last_good" / "health.snapshot"
    older = path.with_name("health.json.gz")
    older.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    kept = snapshots.load_reusable(state, MANIFESTS["health"])
    assert kept is not None and kept.rows
    snapshots.save(state, kept, basis=snapshots.read_basis(MANIFESTS["health"]))
    assert path.is_file() and not older.exists()


def test_row_logs_that_do_not_account_for_the_read_mean_a_full_read(
    county: Path, state: Path, validated: list[int]
) -> None:
    _edit_one_value(county)
    previous = snapshots.load_reusable(state, MANIFESTS["health"])
    assert previous is not None
    previous.records["person"].pop()
    got = read_source(MANIFESTS["health"], county / "health", previous)
    assert validated[0] == got.rows_read
    assert_same(got, read_source(MANIFESTS["health"], county / "health"))


def test_read_all_reuses_rows_and_reports_as_a_full_read(county: Path, tmp_path: Path) -> None:
    state = tmp_path / "etl-state"
    etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state)
    _edit_one_value(county)
    report = etl.EtlReport(datetime.now().astimezone())
    results = etl.read_all(MANIFESTS, county, report, state)
    fresh = etl.EtlReport(datetime.now().astimezone())
    full = etl.read_all(MANIFESTS, county, fresh)
    assert [s for s, item in report.sources.items() if not item.get("unchanged")] == ["health"]
    assert report.sources["health"] == fresh.sources["health"]
    assert_same(results["health"], full["health"])


def test_each_read_says_what_it_was_read_from(county: Path, tmp_path: Path) -> None:
    """Read afresh or kept, a source's read carries the digest of its extract (equal
    digests, equal records: a refresh relies on it); without a state folder, none."""
    state = tmp_path / "etl-state"
    first = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state)
    _edit_one_value(county)
    again = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state)
    for source, manifest in MANIFESTS.items():
        assert again[source].read_digest == snapshots.extract_digest(manifest, county / source)
    changed = [s for s in MANIFESTS if first[s].read_digest != again[s].read_digest]
    assert changed == ["health"]
    # The source read afresh says which person records are as the read before held them.
    same = again["health"].same_as
    assert same is not None and same.read == first["health"].read_digest
    alike = sum(1 for place in same.places if place >= 0)
    assert len(same.places) == len(again["health"].people()) and 0 < alike < len(same.places)
    kept_again = snapshots.load(state, "health")
    assert kept_again is not None and kept_again.same_as == same
    shutil.rmtree(county / "police")  # failed: the last good read, and what it was read from
    kept = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state)
    assert kept["police"].read_digest == first["police"].read_digest is not None
    plain = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()))
    assert all(result.read_digest is None for result in plain.values())


def test_reads_in_worker_processes_equal_reads_in_this_one(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extracts read by two worker processes (as large ones are) give the same results,
    reports, order and last good reads as in this process, also on a refresh that
    reuses rows, and a source that fails in a worker is reported as one that fails here."""
    monkeypatch.setattr(read_pool, "MIN_PARALLEL_BYTES", 0)
    next((county / "police").glob("*.csv")).unlink()  # police fails in its worker
    reports, reads = [], []
    for processes in (1, 2):
        state = tmp_path / f"state-{processes}"
        report = etl.EtlReport(datetime.now().astimezone())
        first = etl.read_all(MANIFESTS, county, report, state, processes)
        reports.append(report.sources)
        reads.append(first)
    assert reports[0] == reports[1]
    assert reports[1]["police"]["status"] == "failed"
    assert list(reads[1]) == list(reads[0]) == [s for s in MANIFESTS if s != "police"]
    for source in reads[0]:
        assert_same(reads[1][source], reads[0][source])
        assert reads[1][source].read_digest == reads[0][source].read_digest
    _edit_one_value(county)
    again = [
        etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()),
                     tmp_path / f"state-{processes}", processes)
        for processes in (1, 2)
    ]  # fmt: skip
    for source in again[0]:
        assert_same(again[1][source], again[0][source])


def test_one_changed_extract_is_read_in_a_worker_which_hands_back_only_what_is_new(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With other work to do here (the unchanged extracts' last good reads, the
    caller's `meanwhile`), a single changed extract is read in a worker. Reusing the
    rows of the last good read, it hands back only the records that read did not hold
    (the patient edited), and this process puts the result together with the last
    good read it loaded meanwhile: the results equal a read in this process, the
    worker saved its read, and `meanwhile` runs once."""
    monkeypatch.setattr(read_pool, "MIN_PARALLEL_BYTES", 0)
    states = {processes: tmp_path / f"state-{processes}" for processes in (1, 2)}
    for state in states.values():
        etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state, 1)
    _edit_one_value(county)
    answers = _spy_on_answers(monkeypatch)
    ran: list[int] = []
    reads = {
        processes: etl.read_all(
            MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state, processes,
            meanwhile=lambda: ran.append(1),
        )
        for processes, state in states.items()
    }  # fmt: skip
    assert [(worker.job.source, type(answer)) for worker, answer in answers] == [
        ("health", read_pool.Delta)
    ]
    delta = answers[0][1]
    assert {kind: len(given) for kind, given in delta.result.records.items() if given} == {
        "person": 1
    }
    assert ran == [1, 1]
    assert list(reads[2]) == list(reads[1])
    for source in reads[1]:
        assert_same(reads[2][source], reads[1][source])
        assert reads[2][source].read_digest == reads[1][source].read_digest
    saved = snapshots.load(states[2], "health", reads[2]["health"].read_digest)
    assert saved is not None
    assert_same(saved, reads[1]["health"])


def test_a_worker_may_go_on_saving_its_read_until_the_callers_stack_closes(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `saves`, a worker that handed back what is new may still be saving its read
    when `read_all` returns (the caller matches meanwhile); closing the stack waits."""
    state, want, answers = _edited_after_a_kept_read(county, tmp_path, monkeypatch)
    with ExitStack() as saves:
        got = etl.read_all(
            MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state, 2,
            meanwhile=lambda: None, saves=saves,
        )  # fmt: skip
    worker, answer = answers[0]
    assert isinstance(answer, read_pool.Delta)
    assert worker.last.result(timeout=0) == read_pool.Saved("health")
    assert worker.process is not None and worker.process.poll() == 0
    for source in want:
        assert_same(got[source], want[source])
    saved = snapshots.load(state, "health", got["health"].read_digest)
    assert saved is not None
    assert_same(saved, want["health"])


def _edited_after_a_kept_read(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, ReadResult], list[tuple[Any, Any]]]:
    """A state folder with a read of `county` kept, then health edited: the folder,
    the edited county read afresh, and the workers' first answers as they come."""
    monkeypatch.setattr(read_pool, "MIN_PARALLEL_BYTES", 0)
    state = tmp_path / "state"
    etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state, 1)
    _edit_one_value(county)
    want = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), None, 1)
    return state, want, _spy_on_answers(monkeypatch)


def _spy_on_answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Each worker's first answer, as this process settles it."""
    answers: list[tuple[Any, Any]] = []
    real = read_pool._settled

    def spy(worker: Any, previous: Any) -> Any:
        answers.append((worker, worker.first.result()))
        return real(worker, previous)

    monkeypatch.setattr(read_pool, "_settled", spy)
    return answers


def test_a_worker_answer_of_what_is_new_against_another_read_is_not_used(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last good read this process loaded is not the one the worker read from
    (here: none), the worker's saved read is loaded instead."""
    state, want, answers = _edited_after_a_kept_read(county, tmp_path, monkeypatch)
    monkeypatch.setattr(read_pool, "_previous", lambda job, merged: None)  # (in this process only)
    got = etl.read_all(
        MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state, 2,
        meanwhile=lambda: None,
    )  # fmt: skip
    assert [type(answer) for _, answer in answers] == [read_pool.Delta]
    assert answers[0][0].last.result() == read_pool.Saved("health")
    for source in want:
        assert_same(got[source], want[source])
    previous = snapshots.load_reusable(state, MANIFESTS["health"])
    assert previous is not None
    assert answers[0][1].applied(previous) is None  # (the new read: another digest)


def test_an_unchanged_extract_whose_last_good_read_is_damaged_is_read_again(
    county: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), state)
    path = state / "last_good" / "police.snapshot"
    header = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(header + b"\n{not json")  # what it was read from still matches
    report = etl.EtlReport(datetime.now().astimezone())
    again = etl.read_all(MANIFESTS, county, report, state)
    assert "unchanged" not in report.sources["police"]
    assert [s for s, item in report.sources.items() if item.get("unchanged")] == [
        s for s in MANIFESTS if s != "police"
    ]
    assert list(again) == list(MANIFESTS)
    assert_same(again["police"], first["police"])
    assert snapshots.load(state, "police") is not None  # kept again


def test_a_source_whose_worker_died_is_read_in_this_process(
    county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_pool, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(read_pool, "_in_workers", lambda *_: {})  # every one died
    report = etl.EtlReport(datetime.now().astimezone())
    got = etl.read_all(MANIFESTS, county, report, None, 2)
    want = etl.read_all(MANIFESTS, county, etl.EtlReport(datetime.now().astimezone()), None, 1)
    assert list(got) == list(want) == list(MANIFESTS)
    for source in want:
        assert_same(got[source], want[source])


def test_read_processes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILY_NETWORK_READ_PROCESSES", "3")
    assert read_pool.processes_from_env() == 3
    monkeypatch.setenv("FAMILY_NETWORK_READ_PROCESSES", "two")
    with pytest.raises(ValueError, match="whole number"):
        read_pool.processes_from_env()
    monkeypatch.delenv("FAMILY_NETWORK_READ_PROCESSES")
    assert 1 <= read_pool.processes_from_env() <= 4
