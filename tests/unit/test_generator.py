"""Tests for the synthetic county generator (sample_data.generator)."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path
from random import Random

import pytest

from sample_data.generator import generate
from sample_data.generator.cli import main as cli_main
from sample_data.generator.errors import DEFAULT_RATES, Distorter
from sample_data.generator.identifiers import (
    is_valid_nhs_number,
    is_valid_postcode,
    is_valid_upn,
    make_upn,
    nhs_check_digit,
    upn_check_letter,
)
from sample_data.generator.model import Person

AS_OF = date(2026, 11, 1)
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")

# The people files of every agency and the column holding the record key.
PEOPLE_FILES = {
    ("social_care", "ssd_person"): "pers_person_id",
    ("schools", "pupils"): "upn",
    ("schools", "pupil_contacts"): "contact_id",
    ("health", "patients"): "patient_id",
    ("police", "persons"): "nominal_id",
    ("housing", "household_members"): "member_ref",
    ("youth_justice", "young_people"): "yp_id",
    ("youth_justice", "carers"): "carer_id",
    ("probation", "people_on_probation"): "crn",
    ("adult_social_care", "clients"): "client_id",
    ("adult_social_care", "carers"): "carer_id",
}

SSD_COLUMNS = {
    "ssd_person": "pers_person_id, pers_forename, pers_surname, pers_sex, pers_gender, "
    "pers_ethnicity, pers_dob, pers_common_child_id, pers_legacy_id, pers_upn_unknown, "
    "pers_send_flag, pers_expected_dob, pers_death_date, pers_is_mother, pers_nationality",
    "ssd_family": "fami_table_id, fami_family_id, fami_person_id",
    "ssd_address": "addr_table_id, addr_address_json, addr_person_id, addr_address_type, "
    "addr_address_start_date, addr_address_end_date, addr_address_postcode",
    "ssd_linked_identifiers": "link_table_id, link_person_id, link_identifier_type, "
    "link_identifier_value, link_valid_from_date, link_valid_to_date",
    "ssd_involvements": "invo_involvements_id, invo_professional_id, "
    "invo_professional_role_id, invo_professional_team, invo_involvement_start_date, "
    "invo_involvement_end_date, invo_worker_change_reason, invo_person_id, invo_referral_id",
    "ssd_professionals": "prof_professional_id, prof_staff_id, prof_professional_name, "
    "prof_social_worker_registration_no, prof_professional_job_title, "
    "prof_professional_caseload, prof_professional_department, prof_full_time_equivalency, "
    "prof_agency_worker_flag, prof_email, prof_phone",
    "ssd_department": "dept_team_id, dept_team_name, dept_team_parent_id, dept_team_parent_name",
    "ssd_cin_episodes": "cine_referral_id, cine_person_id, cine_referral_date, "
    "cine_cin_primary_need_code, cine_referral_source_code, cine_referral_source_desc, "
    "cine_referral_outcome_json, cine_referral_nfa, cine_close_reason, cine_close_date, "
    "cine_referral_team, cine_referral_worker_id",
    "ssd_cp_plans": "cppl_cp_plan_id, cppl_referral_id, cppl_icpc_id, cppl_person_id, "
    "cppl_cp_plan_start_date, cppl_cp_plan_end_date, cppl_cp_plan_initial_category, "
    "cppl_cp_plan_ola, cppl_cp_plan_latest_category",
    "ssd_cla_episodes": "clae_cla_episode_id, clae_person_id, clae_cla_episode_start_date, "
    "clae_cla_episode_start_reason, clae_cla_primary_need_code, "
    "clae_cla_episode_ceased_date, clae_cla_episode_ceased_reason, clae_cla_id, "
    "clae_referral_id, clae_cla_placement_id, clae_entered_care_date, "
    "clae_cla_last_iro_contact_date",
    "ssd_early_help_episodes": "earl_episode_id, earl_person_id, earl_episode_start_date, "
    "earl_episode_end_date, earl_episode_reason, earl_episode_end_reason, "
    "earl_episode_organisation, earl_episode_worker_id",
    "ssd_mother": "moth_table_id, moth_person_id, moth_childs_person_id, moth_childs_dob",
}
SCHOOL_COLUMNS = {
    "pupils": "upn, legal_forename, legal_surname, preferred_forename, date_of_birth, gender, "
    "address_line1, address_line2, town, postcode, school_urn, entry_date, leaving_date, "
    "sen_provision",
    "pupil_contacts": "contact_id, upn, contact_forename, contact_surname, relationship, "
    "parental_responsibility, priority, address_line1, postcode",
    "schools": "school_urn, school_name, phase, dsl_name, dsl_role, dsl_email, dsl_phone, "
    "school_phone",
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def split(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("county")
    calls: list[tuple[int, int]] = []
    summary = generate(out, seed=7, people=3000, progress=lambda d, t: calls.append((d, t)))
    return out, (summary, calls)


@pytest.fixture(scope="module")
def truth(county: tuple[Path, object]) -> dict[str, list[dict[str, str]]]:
    out, _ = county
    return {
        name: read(out / "ground_truth" / f"{name}.csv")
        for name in (
            "people",
            "family_links",
            "source_records",
            "addresses_history",
            "current_address",
            "injected_errors",
            "former_surnames",
        )
    }


# -- identifiers ---------------------------------------------------------------------------


def test_nhs_check_digit_matches_modulus_11() -> None:
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert nhs_check_digit("943476591") == 9
    assert nhs_check_digit("999000000") is None  # check would be 10: never issued


def test_upn_check_letter_follows_dfe_rule() -> None:
    # 2*2 + 7*4 + 1*9 + 6*10 + 4*12 + 9*13 = 266; 266 mod 23 = 13 -> "P".
    assert upn_check_letter("207000016049") == "P"
    assert is_valid_upn("P207000016049")
    assert not is_valid_upn("Q207000016049")
    assert is_valid_upn(make_upn("972", "2001", 2019, 17))


def test_every_generated_identifier_is_valid(county, truth) -> None:
    out, _ = county
    people = truth["people"]
    nhs = [p["nhs_number"] for p in people]
    assert all(is_valid_nhs_number(n) and n.startswith("999") for n in nhs)
    assert len(set(nhs)) == len(nhs)
    upns = [p["upn"] for p in people if p["upn"]]
    assert upns and all(is_valid_upn(u) for u in upns)
    assert len(set(upns)) == len(upns)
    for row in read(out / "social_care" / "ssd_linked_identifiers.csv"):
        if row["link_identifier_type"] == "NHS Number":
            assert is_valid_nhs_number(row["link_identifier_value"])
        else:
            assert is_valid_upn(row["link_identifier_value"])
    for row in read(out / "health" / "patients.csv"):
        assert row["nhs_number"] == "" or is_valid_nhs_number(row["nhs_number"])


def test_postcodes_and_uprns_have_valid_formats(truth) -> None:
    rows = truth["current_address"]
    assert all(POSTCODE.match(r["postcode"]) and is_valid_postcode(r["postcode"]) for r in rows)
    uprns = [r["uprn"] for r in rows]
    with_uprn = [u for u in uprns if u]
    assert all(len(u) == 12 and u.isdigit() for u in with_uprn)
    assert 0.55 < len(with_uprn) / len(uprns) < 0.85


# -- determinism and output format ---------------------------------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=3, people=1200)
    generate(tmp_path / "b", seed=3, people=1200)
    first, second = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(first[name] == second[name] for name in first)
    generate(tmp_path / "c", seed=4, people=1200)
    assert _snapshot(tmp_path / "c")["ground_truth/people.csv"] != first["ground_truth/people.csv"]


def test_error_scale_zero_is_clean_and_keeps_the_population(tmp_path: Path) -> None:
    generate(tmp_path / "noisy", seed=5, people=800)
    summary = generate(tmp_path / "clean", seed=5, people=800, error_scale=0.0)
    assert read(tmp_path / "clean" / "ground_truth" / "injected_errors.csv") == []
    assert all(applied == 0 for kinds in summary.errors.values() for _, applied in kinds.values())
    for name in ("people", "family_links", "addresses_history"):
        path = Path("ground_truth") / f"{name}.csv"
        assert (tmp_path / "clean" / path).read_bytes() == (tmp_path / "noisy" / path).read_bytes()


def test_error_rates_tune_per_source(tmp_path: Path) -> None:
    """A multiplier per source on top of the overall scale: 0 gives that source clean
    records, more gives more errors, and the other sources are left exactly as they
    were (each agency has random streams of its own)."""

    def errors_by_source(name: str) -> Counter[str]:
        rows = read(tmp_path / name / "ground_truth" / "injected_errors.csv")
        return Counter(row["source"] for row in rows)

    generate(tmp_path / "default", seed=5, people=800)
    tuning = {"schools": 0.0, "health": 3.0}
    summary = generate(tmp_path / "tuned", seed=5, people=800, source_error_scale=tuning)
    default, tuned = errors_by_source("default"), errors_by_source("tuned")
    assert default["schools"] > 0 and tuned["schools"] == 0 == summary.injected("schools")
    assert all(applied == 0 for _, applied in summary.errors["schools"].values())
    assert tuned["health"] > 2 * default["health"] > 0
    assert tuned["health"] == summary.injected("health")
    before, after = _snapshot(tmp_path / "default"), _snapshot(tmp_path / "tuned")
    untouched = [name for name in before if not name.startswith(("schools/", "health/"))]
    assert "police/persons.csv" in untouched and "ground_truth/people.csv" in untouched
    changed = [n for n in untouched if before[n] != after[n] and not n.startswith("ground_truth/")]
    assert changed == []
    for name in ("people", "family_links", "addresses_history"):
        path = f"ground_truth/{name}.csv"
        assert before[path] == after[path]
    for source in DEFAULT_RATES:
        if source not in tuning:
            assert tuned[source] == default[source] > 0, source

    # The source multiplier times the overall scale: 2 x 0.5 is the default rate.
    generate(
        tmp_path / "scaled",
        seed=5,
        people=800,
        error_scale=2.0,
        source_error_scale={"police": 0.5, "housing": 0},
    )
    scaled = errors_by_source("scaled")
    assert scaled["police"] == default["police"]
    assert _snapshot(tmp_path / "scaled")["police/persons.csv"] == before["police/persons.csv"]
    assert scaled["housing"] == 0 and scaled["health"] > default["health"]

    # The same seed and options give the same bytes.
    generate(tmp_path / "again", seed=5, people=800, source_error_scale=tuning)
    assert _snapshot(tmp_path / "again") == after


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"source_error_scale": {"libraries": 1.0}}, "no such source: libraries"),
        ({"source_error_scale": {"health": -1.0}}, "for health must be a number, 0 or more"),
        ({"error_scale": -0.5}, "for error_scale must be a number, 0 or more"),
    ],
)
def test_bad_error_rates_are_refused(tmp_path: Path, options: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        generate(tmp_path / "county", seed=1, people=10, **options)
    assert not (tmp_path / "county").exists()


def test_module_command_takes_error_rates_per_source(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "county"
    argv = ["--seed", "5", "--people", "300", "--out", str(out), "--quiet"]
    assert cli_main([*argv, "--error-rate", "health=0", "--error-rate", "police=2"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"health +\d+ records +0 errors", printed)
    rows = read(out / "ground_truth" / "injected_errors.csv")
    assert rows and not any(row["source"] == "health" for row in rows)
    assert cli_main([*argv, "--error-rate", "health"]) == 2
    assert "expected SOURCE=MULTIPLIER" in capsys.readouterr().err
    assert cli_main([*argv, "--error-rate", "pharmacy=1"]) == 2
    assert "no such source: pharmacy" in capsys.readouterr().err


def test_no_error_puts_a_date_of_birth_after_the_extract_date() -> None:
    """A day/month swap or an off-by-one of a recent birthday must not land after the
    extract date: the source would refuse it, and so does the reader."""
    as_of = date(2026, 3, 5)
    births = [date(2026, 1, day) for day in range(2, 13)] + [as_of]
    logged: list[list[str]] = []
    certain = {"social_care": {"dob_day_month_swap": 1.0, "dob_off_by_one": 1.0}}
    distorter = Distorter(1.0, logged.append, rates=certain)
    for pid, dob in enumerate(births, start=1):
        baby = Person(pid, "Ava", "Hill", "hill", "F", dob, "", "", "", "")
        for seed in range(20):
            where = ("social_care", "ssd_person", str(pid))
            seen = distorter.view(Random(seed), where, baby, as_of, frozenset({"dob"}))
            assert seen.dob is not None and seen.dob <= as_of, (dob, seed, seen.dob)
    swapped = {row[7] for row in logged if row[4] == "dob_day_month_swap"}
    assert swapped == {"2026-02-01", "2026-03-01"}  # 4 January would be 1 April: not made
    assert sum(row[4] == "dob_off_by_one" for row in logged) == len(births) * 20


def test_summary_counts_and_progress(county, truth) -> None:
    _, (summary, calls) = county
    assert summary.people == 3000 == len(truth["people"])
    assert summary.households == len({p["household_id"] for p in truth["people"]})
    assert summary.total_records == len(truth["source_records"])
    assert calls[-1] == (3000, 3000)
    assert 50 <= len(calls) <= 102
    assert all(a[0] <= b[0] for a, b in pairwise(calls))


def test_files_are_utf8_csv_with_unix_newlines(county) -> None:
    out, _ = county
    for path in out.rglob("*.csv"):
        data = path.read_bytes()
        assert b"\r\n" not in data, path
        data.decode("utf-8")
    for folder in (
        "social_care",
        "schools",
        "health",
        "police",
        "housing",
        "youth_justice",
        "probation",
        "adult_social_care",
    ):
        note = json.loads((out / folder / "_extract.json").read_text(encoding="utf-8"))
        assert note["source"] == folder
        assert note["extracted_at"] == "2026-11-01T02:00:00+00:00"
        assert note["system"]


def test_ssd_and_school_columns_exactly_as_specified(county) -> None:
    out, _ = county
    for table, columns in SSD_COLUMNS.items():
        assert header(out / "social_care" / f"{table}.csv") == split(columns), table
    for table, columns in SCHOOL_COLUMNS.items():
        assert header(out / "schools" / f"{table}.csv") == split(columns), table
    assert sorted(p.name for p in (out / "social_care").glob("*.csv")) == sorted(
        f"{t}.csv" for t in SSD_COLUMNS
    )


def test_ssd_values_and_references_are_consistent(county) -> None:
    out, _ = county
    sc = out / "social_care"
    persons = {r["pers_person_id"]: r for r in read(sc / "ssd_person.csv")}
    professionals = {r["prof_professional_id"]: r for r in read(sc / "ssd_professionals.csv")}
    departments = {r["dept_team_id"] for r in read(sc / "ssd_department.csv")}
    referrals = {r["cine_referral_id"]: r for r in read(sc / "ssd_cin_episodes.csv")}
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    assert persons and referrals
    for row in persons.values():
        assert row["pers_person_id"].isdigit() and not row["pers_person_id"].startswith("0")
        assert row["pers_sex"] in {"M", "F", "U"}
        assert row["pers_dob"] == "" or stamp.match(row["pers_dob"])
    assert all(p["prof_professional_department"] in departments for p in professionals.values())
    for ref in referrals.values():
        assert ref["cine_person_id"] in persons
        assert ref["cine_referral_worker_id"] in professionals
        assert re.fullmatch(r"N[1-9]", ref["cine_cin_primary_need_code"])
        assert ref["cine_close_reason"] == "" or re.fullmatch(r"RC[1-9]", ref["cine_close_reason"])
        assert bool(ref["cine_close_reason"]) == bool(ref["cine_close_date"])
        json.loads(ref["cine_referral_outcome_json"])
    assert any(r["cine_close_date"] == "" for r in referrals.values())
    assert any(r["cine_close_date"] for r in referrals.values())
    for plan in read(sc / "ssd_cp_plans.csv"):
        assert plan["cppl_referral_id"] in referrals
        assert plan["cppl_cp_plan_initial_category"] in {"NEG", "PHY", "SAB", "EMO", "MUL"}
    for episode in read(sc / "ssd_cla_episodes.csv"):
        assert episode["clae_referral_id"] in referrals
    for episode in read(sc / "ssd_early_help_episodes.csv"):
        assert episode["earl_episode_worker_id"] in professionals
    involvements = read(sc / "ssd_involvements.csv")
    assert {i["invo_referral_id"] for i in involvements} == set(referrals)
    assert all(i["invo_professional_id"] in professionals for i in involvements)
    for row in read(sc / "ssd_address.csv"):
        blob = json.loads(row["addr_address_json"])
        assert set(blob) == {"line1", "line2", "town", "postcode", "uprn"}
        assert row["addr_person_id"] in persons
    for row in read(sc / "ssd_mother.csv"):
        assert row["moth_person_id"] in persons and row["moth_childs_person_id"] in persons
    for row in read(sc / "ssd_linked_identifiers.csv"):
        assert row["link_identifier_type"] in {
            "NHS Number",
            "Unique Pupil Number",
            "Former Unique Pupil Number",
        }


def test_every_involvement_names_a_contactable_professional(county) -> None:
    out, _ = county
    checks = [
        ("health", "involvements", "lead_professional_id", "staff", "staff_id"),
        ("police", "incidents", "officer_in_charge", "officers", "officer_id"),
        ("housing", "tenancies", "housing_officer_id", "housing_officers", "officer_id"),
        ("youth_justice", "interventions", "yot_worker_id", "staff", "worker_id"),
        ("probation", "events", "practitioner_code", "practitioners", "staff_code"),
        ("adult_social_care", "services", "worker_id", "workers", "worker_id"),
    ]
    phone = re.compile(r"^(07700 900\d{3}|01632 960\d{3}|020 7946 0\d{3})$")
    for folder, episodes, column, staff_file, key in checks:
        staff = {r[key]: r for r in read(out / folder / f"{staff_file}.csv")}
        assert all(phone.match(s["phone"]) and "@" in s["email"] for s in staff.values())
        rows = read(out / folder / f"{episodes}.csv")
        assert rows, folder
        assert all(r[column] in staff for r in rows), folder
    schools = read(out / "schools" / "schools.csv")
    assert 12 <= len(schools) <= 18
    assert all(re.fullmatch(r"\d{6}", s["school_urn"]) and "@" in s["dsl_email"] for s in schools)


# -- ground truth --------------------------------------------------------------------------


def test_ground_truth_covers_every_source_record(county, truth) -> None:
    out, _ = county
    by_file: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in truth["source_records"]:
        key = (row["source"], row["file"])
        assert row["record_key"] not in by_file[key], "record keys must be unique per file"
        by_file[key][row["record_key"]] = row["person_id"]
    assert set(by_file) == set(PEOPLE_FILES)
    people = {p["person_id"] for p in truth["people"]}
    for (source, file), column in PEOPLE_FILES.items():
        keys = [r[column] for r in read(out / source / f"{file}.csv")]
        assert len(keys) == len(set(keys)) > 0, (source, file)
        assert set(keys) == set(by_file[(source, file)]), (source, file)
        assert set(by_file[(source, file)].values()) <= people


def test_strong_identifiers_are_correct_when_present(county, truth) -> None:
    out, _ = county
    people = {p["person_id"]: p for p in truth["people"]}
    owner = {
        (r["source"], r["file"], r["record_key"]): r["person_id"] for r in truth["source_records"]
    }
    for row in read(out / "health" / "patients.csv"):
        person = people[owner[("health", "patients", row["patient_id"])]]
        assert row["nhs_number"] in ("", person["nhs_number"])
    for row in read(out / "schools" / "pupils.csv"):
        assert people[owner[("schools", "pupils", row["upn"])]]["upn"] == row["upn"]
    for row in read(out / "social_care" / "ssd_linked_identifiers.csv"):
        person = people[owner[("social_care", "ssd_person", row["link_person_id"])]]
        if row["link_identifier_type"] == "NHS Number":
            assert row["link_identifier_value"] == person["nhs_number"]
        elif row["link_identifier_type"] == "Unique Pupil Number":
            assert row["link_identifier_value"] == person["upn"]


def test_records_without_logged_errors_match_the_truth(county, truth) -> None:
    out, _ = county
    people = {p["person_id"]: p for p in truth["people"]}
    current = {r["person_id"]: r for r in truth["current_address"]}
    flagged = {(e["source"], e["file"], e["record_key"]) for e in truth["injected_errors"]}
    owner = {
        (r["source"], r["file"], r["record_key"]): r["person_id"] for r in truth["source_records"]
    }
    checked = 0
    for row in read(out / "health" / "patients.csv"):
        where = ("health", "patients", row["patient_id"])
        if where in flagged:
            continue
        person = people[owner[where]]
        assert (row["forename"], row["surname"], row["date_of_birth"]) == (
            person["given_name"],
            person["family_name"],
            person["date_of_birth"],
        )
        assert row["postcode"] == current[person["person_id"]]["postcode"]
        checked += 1
    assert checked > 2000


def test_error_rates_roughly_match_configuration(county, truth) -> None:
    _, (summary, _) = county
    logged = Counter((e["source"], e["error"]) for e in truth["injected_errors"])
    tested = 0
    for source, kinds in summary.errors.items():
        for kind, (eligible, applied) in kinds.items():
            assert logged[(source, kind)] == applied
            rate = DEFAULT_RATES[source][kind]
            if eligible < 150 or rate == 0:
                continue
            tolerance = 4 * math.sqrt(rate * (1 - rate) / eligible) + 0.01
            assert abs(applied / eligible - rate) <= tolerance, (source, kind, eligible, applied)
            tested += 1
    assert tested >= 25
    kinds_seen = {kind for _, kind in logged}
    assert {
        "nickname",
        "typo",
        "name_swap",
        "dob_day_month_swap",
        "dob_off_by_one",
        "missing_dob",
        "missing_postcode",
        "postcode_format",
        "stale_address",
        "stale_surname",
        "missing_strong_id",
    } <= kinds_seen


def test_family_structures_are_present(truth) -> None:
    people = {p["person_id"]: p for p in truth["people"]}
    links = truth["family_links"]
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in links:
        by_kind[link["relationship"]].append((link["person_id"], link["related_person_id"]))
    assert set(by_kind) == {"parent_of", "sibling_of", "half_sibling_of", "partner_of", "carer_of"}
    for kind in ("sibling_of", "half_sibling_of", "partner_of"):
        assert all(a < b for a, b in by_kind[kind])
    parents: dict[str, set[str]] = defaultdict(set)
    for parent, child in by_kind["parent_of"]:
        parents[child].add(parent)
    partners = {frozenset(pair) for pair in by_kind["partner_of"]}

    twins = [p for p in people.values() if p["twin_of"]]
    assert len(twins) >= 10
    for person in twins:
        twin = people[person["twin_of"]]
        assert twin["twin_of"] == person["person_id"]
        assert twin["date_of_birth"] == person["date_of_birth"]
        if person["date_of_birth"] > "2008-11-01":
            assert twin["family_name"] == person["family_name"]
        assert twin["given_name"] != person["given_name"]

    assert len(by_kind["half_sibling_of"]) >= 5
    for a, b in by_kind["half_sibling_of"]:
        assert len(parents[a] & parents[b]) == 1

    kinship = [
        (carer, child)
        for carer, child in by_kind["carer_of"]
        if any(carer in parents[parent] for parent in parents[child])
    ]
    assert kinship, "grandparents caring for grandchildren"
    assert all(
        people[c]["household_id"] == people[k]["household_id"]
        for k, c in kinship
        if people[c]["date_of_birth"] > "2008-11-01"
    )

    step = 0
    households: dict[str, list[str]] = defaultdict(list)
    for pid, person in people.items():
        households[person["household_id"]].append(pid)
    for child in people:
        for adult in households[people[child]["household_id"]]:
            if adult not in parents[child] and any(
                frozenset((adult, parent)) in partners for parent in parents[child]
            ):
                step += 1
    assert step >= 5, "step-parents living with step-children"

    cousins = 0
    grandparents = {c: {g for p in parents[c] for g in parents[p]} for c in people}
    children = [p for p in people.values() if p["date_of_birth"] > "2008-11-01"]
    names = defaultdict(list)
    for child in children:
        names[(child["given_name"], child["family_name"])].append(child)
    for group in names.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                ida, idb = a["person_id"], b["person_id"]
                gap = abs(
                    (
                        date.fromisoformat(a["date_of_birth"])
                        - date.fromisoformat(b["date_of_birth"])
                    ).days
                )
                if (
                    grandparents[ida] & grandparents[idb]
                    and not parents[ida] & parents[idb]
                    and gap <= 3 * 366
                ):
                    cousins += 1
    assert cousins >= 2, "same-name cousins born close together"

    history = Counter(r["person_id"] for r in truth["addresses_history"])
    assert sum(1 for n in history.values() if n >= 2) > 0.3 * len(people)
    assert any(n >= 4 for n in history.values())
    assert all(r["to"] == "" or r["from"] < r["to"] for r in truth["addresses_history"])

    renamed = {r["person_id"] for r in truth["former_surnames"]}
    assert all(r["used_until"] <= AS_OF.isoformat() for r in truth["former_surnames"])
    assert len(renamed) > 0.08 * len(people)
    assert any(people[p]["date_of_birth"] > "2008-11-01" for p in renamed), "children renamed"
    assert any("-" in people[p]["family_name"] for p in renamed), "double-barrelled surnames"


def test_population_is_plausible(truth) -> None:
    people = truth["people"]
    households = Counter(p["household_id"] for p in people)
    assert 2.0 <= len(people) / len(households) <= 2.8
    ages = [AS_OF.year - int(p["date_of_birth"][:4]) for p in people]
    assert min(ages) >= 0 and max(ages) <= 100
    assert 0.15 < sum(1 for a in ages if a < 18) / len(ages) < 0.3
    assert {p["sex"] for p in people} == {"M", "F"}
    names = {p["given_name"] for p in people} | {p["family_name"] for p in people}
    assert any("'" in n for n in names) and any("-" in n for n in names)
    assert any(not n.isascii() for n in names)


def test_agency_coverage_is_plausible(county, truth) -> None:
    out, (summary, _) = county
    people = truth["people"]
    children = {p["person_id"] for p in people if p["date_of_birth"] > "2008-11-01"}
    owner = defaultdict(set)
    for row in truth["source_records"]:
        owner[(row["source"], row["file"])].add(row["person_id"])
    in_care = len(children & owner[("social_care", "ssd_person")]) / len(children)
    assert 0.06 < in_care < 0.2
    assert len(owner[("health", "patients")]) > 0.93 * len(people)
    pupils = read(out / "schools" / "pupils.csv")
    assert all(
        re.fullmatch(r"\d{2}/\d{2}/\d{4}", p["date_of_birth"]) or not p["date_of_birth"]
        for p in pupils
    )
    assert {p["sen_provision"] for p in pupils} <= {"N", "K", "E"}
    contacts = read(out / "schools" / "pupil_contacts.csv")
    assert {c["relationship"] for c in contacts} >= {"Mother", "Father"}
    assert all(c["priority"] in {"1", "2", "3"} for c in contacts)
    tenancies = read(out / "housing" / "tenancies.csv")
    current = sum(1 for t in tenancies if not t["tenancy_end"])
    assert 0.15 < current / summary.households < 0.35
