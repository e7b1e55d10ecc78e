"""Children's social care, as Standard Safeguarding Dataset (SSD) tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from random import Random

from ..dates import academic_age, between, days, ssd
from ..model import Group, Household, Person
from ..staff import Staff, scaled
from .base import Agency, Ids, RunContext, residents

SELECTION_RATE = 0.12  # share of households with children known to social care
SOURCE_NAME = "social_care"
ORGANISATION = "Exampleshire County Council"
DOMAIN = "examplecounty.gov.uk"

COLUMNS: dict[str, tuple[str, ...]] = {
    "ssd_person": (
        "pers_person_id",
        "pers_forename",
        "pers_surname",
        "pers_sex",
        "pers_gender",
        "pers_ethnicity",
        "pers_dob",
        "pers_common_child_id",
        "pers_legacy_id",
        "pers_upn_unknown",
        "pers_send_flag",
        "pers_expected_dob",
        "pers_death_date",
        "pers_is_mother",
        "pers_nationality",
    ),
    "ssd_family": ("fami_table_id", "fami_family_id", "fami_person_id"),
    "ssd_address": (
        "addr_table_id",
        "addr_address_json",
        "addr_person_id",
        "addr_address_type",
        "addr_address_start_date",
        "addr_address_end_date",
        "addr_address_postcode",
    ),
    "ssd_linked_identifiers": (
        "link_table_id",
        "link_person_id",
        "link_identifier_type",
        "link_identifier_value",
        "link_valid_from_date",
        "link_valid_to_date",
    ),
    "ssd_involvements": (
        "invo_involvements_id",
        "invo_professional_id",
        "invo_professional_role_id",
        "invo_professional_team",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
        "invo_worker_change_reason",
        "invo_person_id",
        "invo_referral_id",
    ),
    "ssd_professionals": (
        "prof_professional_id",
        "prof_staff_id",
        "prof_professional_name",
        "prof_social_worker_registration_no",
        "prof_professional_job_title",
        "prof_professional_caseload",
        "prof_professional_department",
        "prof_full_time_equivalency",
        "prof_agency_worker_flag",
        "prof_email",
        "prof_phone",
    ),
    "ssd_department": (
        "dept_team_id",
        "dept_team_name",
        "dept_team_parent_id",
        "dept_team_parent_name",
    ),
    "ssd_cin_episodes": (
        "cine_referral_id",
        "cine_person_id",
        "cine_referral_date",
        "cine_cin_primary_need_code",
        "cine_referral_source_code",
        "cine_referral_source_desc",
        "cine_referral_outcome_json",
        "cine_referral_nfa",
        "cine_close_reason",
        "cine_close_date",
        "cine_referral_team",
        "cine_referral_worker_id",
    ),
    "ssd_cp_plans": (
        "cppl_cp_plan_id",
        "cppl_referral_id",
        "cppl_icpc_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        "cppl_cp_plan_initial_category",
        "cppl_cp_plan_ola",
        "cppl_cp_plan_latest_category",
    ),
    "ssd_cla_episodes": (
        "clae_cla_episode_id",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_start_reason",
        "clae_cla_primary_need_code",
        "clae_cla_episode_ceased_date",
        "clae_cla_episode_ceased_reason",
        "clae_cla_id",
        "clae_referral_id",
        "clae_cla_placement_id",
        "clae_entered_care_date",
        "clae_cla_last_iro_contact_date",
    ),
    "ssd_early_help_episodes": (
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        "earl_episode_reason",
        "earl_episode_end_reason",
        "earl_episode_organisation",
        "earl_episode_worker_id",
    ),
    "ssd_mother": ("moth_table_id", "moth_person_id", "moth_childs_person_id", "moth_childs_dob"),
}

# (team id, team name, parent id, parent name, job titles, people per member, minimum)
TEAMS: tuple[tuple[str, str, str, str, tuple[str, ...], int, int], ...] = (
    (
        "101",
        "Front Door (MASH)",
        "100",
        "Children's Social Care",
        ("Social Worker", "Senior Social Worker"),
        12000,
        1,
    ),
    (
        "102",
        "Assessment Team North",
        "100",
        "Children's Social Care",
        ("Social Worker", "Social Worker", "Senior Social Worker"),
        6000,
        2,
    ),
    (
        "103",
        "Assessment Team South",
        "100",
        "Children's Social Care",
        ("Social Worker", "Social Worker", "Senior Social Worker"),
        6000,
        2,
    ),
    (
        "104",
        "Child in Need Team",
        "100",
        "Children's Social Care",
        ("Social Worker", "Advanced Practitioner"),
        6000,
        2,
    ),
    (
        "105",
        "Child Protection Team",
        "100",
        "Children's Social Care",
        ("Social Worker", "Senior Social Worker", "Advanced Practitioner"),
        6000,
        2,
    ),
    (
        "106",
        "Children in Care Team",
        "100",
        "Children's Social Care",
        ("Social Worker", "Senior Social Worker"),
        8000,
        2,
    ),
    (
        "107",
        "Disabled Children's Team",
        "100",
        "Children's Social Care",
        ("Social Worker",),
        15000,
        1,
    ),
    (
        "201",
        "Early Help Locality North",
        "200",
        "Early Help Service",
        ("Early Help Practitioner", "Family Support Worker"),
        8000,
        2,
    ),
    (
        "202",
        "Early Help Locality South",
        "200",
        "Early Help Service",
        ("Early Help Practitioner", "Family Support Worker"),
        8000,
        2,
    ),
)
ROLE_IDS = {
    "Social Worker": "1",
    "Senior Social Worker": "1",
    "Advanced Practitioner": "1",
    "Team Manager": "3",
    "Early Help Practitioner": "2",
    "Family Support Worker": "2",
}

_SOURCES = (
    ("1A", "Individual - family member, relative or carer", 8),
    ("1B", "Individual - acquaintance", 3),
    ("1C", "Individual - self", 2),
    ("2A", "Schools", 20),
    ("2B", "Education services", 2),
    ("3A", "Health services - GP", 7),
    ("3B", "Health services - health visitor", 6),
    ("3C", "Health services - school nurse", 2),
    ("3E", "Health services - A&E", 4),
    ("3F", "Health services - other", 3),
    ("4", "Housing", 4),
    ("5A", "LA services - social care", 5),
    ("5D", "Early help", 8),
    ("6", "Police", 20),
    ("7", "Other legal agency", 2),
    ("8", "Other", 2),
    ("9", "Anonymous", 3),
    ("10", "Unknown", 1),
)
_NEEDS = (("N1", 55), ("N3", 4), ("N4", 12), ("N5", 15), ("N6", 3), ("N7", 1), ("N8", 3), ("N9", 3))
_CATEGORIES = (("NEG", 50), ("EMO", 35), ("PHY", 7), ("SAB", 4), ("MUL", 4))
_CLOSE = (("RC7", 60), ("RC9", 10), ("RC5", 5), ("RC3", 5), ("RC1", 1), ("RC4", 4))
_EH_REASONS = (
    "Parenting support",
    "School attendance",
    "Domestic abuse (standard risk)",
    "Child emotional wellbeing",
    "Housing or financial difficulty",
    "Parental mental health",
    "Child behaviour",
    "Parental substance misuse",
)
_EH_ENDS = (
    "Needs met",
    "Family disengaged",
    "Moved out of area",
    "Stepped down to universal services",
)
_CHANGE_REASONS = ("Transfer to long-term team", "Worker left the authority", "Caseload review")


def _weighted(rng: Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


@dataclass
class _Family:
    """One household's children and the adults recorded with them."""

    home: Household
    children: list[Person]
    adults: list[Person]
    first_contact: date = date.max
    members: list[Person] = field(default_factory=list)


class SocialCare(Agency):
    """Writes the SSD tables for a sample of families."""

    folder_name = SOURCE_NAME
    system = "Mosaic (Standard Safeguarding Dataset extract)"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.t = {
            name: self.folder.table(name, cols)
            for name, cols in COLUMNS.items()
            if name not in ("ssd_professionals", "ssd_department")
        }
        self.person_ids = Ids(100000, gap=6)
        self.family_ids = Ids(10000, gap=3)
        self.referral_ids = Ids(2000000, gap=4)
        self.icpc_ids = Ids(310000, gap=2)
        self.plan_ids = Ids(320000, gap=2)
        self.cla_ids = Ids(400000, gap=2)
        self.cla_episode_ids = Ids(410000, gap=2)
        self.placement_ids = Ids(450000, gap=3)
        self.eh_ids = Ids(600000, gap=3)
        self.involvement_ids = Ids(700000, gap=2)
        self.rows = {name: Ids(0) for name in ("family", "address", "link", "mother")}
        self._build_staff(ctx)

    def _build_staff(self, ctx: RunContext) -> None:
        rng = ctx.setup
        prof_ids = Ids(50000, gap=3)
        staff_ids = Ids(710000, gap=9)
        for team_id, team, _, _, titles, per, minimum in TEAMS:
            count = scaled(ctx.people, per, minimum)
            for index in range(count + 1):
                title = "Team Manager" if index == 0 else rng.choice(titles)
                if team_id.startswith("2") and index == 0:
                    title = "Early Help Team Manager"
                member = ctx.staff.make(
                    prof_ids.take(rng), title, team, team_id, ORGANISATION, DOMAIN
                )
                social_worker = "Social Worker" in title or title in (
                    "Advanced Practitioner",
                    "Team Manager",
                )
                member.extra = {
                    "staff_id": staff_ids.take(rng),
                    "registration": f"SW{rng.randint(10000, 199999):06d}" if social_worker else "",
                    "fte": rng.choice(("1.0", "1.0", "1.0", "0.8", "0.6")),
                    "agency": "Y" if rng.random() < 0.15 else "N",
                }
                self.pool.add(member)

    # -- per group ------------------------------------------------------------------

    def add_group(self, group: Group, rng: Random) -> None:
        ids: dict[int, str] = {}
        for home in group.households:
            if home.need >= SELECTION_RATE:
                continue
            here = residents(home.members, home)
            children = sorted(
                (p for p in here if p.age_on(self.as_of) < 18), key=lambda p: (p.dob, p.pid)
            )
            if not children:
                continue
            adults = {p.pid: p for c in children for p in c.parents}
            for carer in (c for child in children for c in child.carers):
                adults[carer.pid] = carer
            for p in here:
                if p.age_on(self.as_of) >= 18:
                    adults[p.pid] = p
            family = _Family(home, children, sorted(adults.values(), key=lambda p: p.pid))
            self._family(family, ids, rng)

    def _family(self, family: _Family, ids: dict[int, str], rng: Random) -> None:
        as_of = self.as_of
        youngest = max(c.dob for c in family.children)
        start = between(rng, max(youngest + days(30), as_of - days(6 * 365)), as_of - days(14))
        start = min(start, as_of - days(14))
        early_help_only = rng.random() < 0.3
        family.first_contact = start
        family_id = self.family_ids.take(rng)
        members = family.children + family.adults
        for person in members:
            if person.pid not in ids:
                ids[person.pid] = self.person_ids.take(rng)
                self._person(person, ids[person.pid], family, rng)
            self.t["ssd_family"].write((self.rows["family"].take(), family_id, ids[person.pid]))
        for child in family.children:
            mother = next((p for p in child.parents if p.sex == "F"), None)
            if mother is not None and mother.pid in ids:
                self.t["ssd_mother"].write(
                    (
                        self.rows["mother"].take(),
                        ids[mother.pid],
                        ids[child.pid],
                        ssd(child.dob),
                    )
                )
        north = family.home.address_on(as_of).postcode.startswith("FX")
        if early_help_only:
            self._early_help(family, ids, start, None, north, rng)
        else:
            if rng.random() < 0.3:
                eh_start = between(rng, start - days(540), start - days(60))
                self._early_help(family, ids, eh_start, start, north, rng)
            self._referrals(family, ids, start, north, rng)

    def _person(self, person: Person, pid: str, family: _Family, rng: Random) -> None:
        child = person.age_on(self.as_of) < 18
        seen = self.see(
            rng,
            "ssd_person",
            pid,
            person,
            frozenset(
                {"dob", "sex", "address", "nhs", "upn"}
                if child
                else {"dob", "sex", "address", "nhs"}
            ),
        )
        gender = {"M": "Male", "F": "Female"}.get(seen.sex, "Not known")
        ethnicity = person.ethnicity if child or rng.random() < 0.75 else "NOBT"
        upn_unknown = ""
        if child and not seen.upn:
            upn_unknown = "UN1" if academic_age(person.dob, self.as_of) < 4 else "UN5"
        is_mother = (
            "Y" if person.sex == "F" and any(c in family.children for c in person.children) else "N"
        )
        self.t["ssd_person"].write(
            (
                pid,
                seen.given,
                seen.family,
                seen.sex or "U",
                gender,
                ethnicity,
                ssd(seen.dob),
                str(rng.randint(100000000, 999999999)) if child and rng.random() < 0.6 else "",
                str(rng.randint(1000000, 9999999)) if rng.random() < 0.25 else "",
                upn_unknown,
                ("Y" if person.sen in ("K", "E") else "N") if child else "",
                "",
                "",
                "N" if child else is_mother,
                person.nationality if rng.random() < (0.8 if child else 0.5) else "",
            )
        )
        history = seen.history if child else seen.history[-2:]
        for index, (address, start, end) in enumerate(history):
            latest = index == len(history) - 1
            postcode = seen.postcode if latest else address.postcode
            uprn = address.uprn if rng.random() < 0.85 else ""
            blob = json.dumps(
                {
                    "line1": address.line1,
                    "line2": address.line2,
                    "town": address.town,
                    "postcode": postcode,
                    "uprn": uprn,
                },
                ensure_ascii=False,
            )
            self.t["ssd_address"].write(
                (
                    self.rows["address"].take(),
                    blob,
                    pid,
                    "Home",
                    ssd(start),
                    ssd(end),
                    postcode,
                )
            )
        since = ssd(family.first_contact)
        identifiers = []
        if seen.nhs and (child or rng.random() < 0.4):
            identifiers.append(("NHS Number", seen.nhs, since, ""))
        if seen.upn:
            identifiers.append(("Unique Pupil Number", seen.upn, since, ""))
            if person.former_upn:
                identifiers.append(
                    (
                        "Former Unique Pupil Number",
                        person.former_upn,
                        ssd(person.dob + days(4 * 365)),
                        ssd(person.school_entry),
                    )
                )
        for kind, value, valid_from, valid_to in identifiers:
            self.t["ssd_linked_identifiers"].write(
                (
                    self.rows["link"].take(),
                    pid,
                    kind,
                    value,
                    valid_from,
                    valid_to,
                )
            )

    def _early_help(
        self,
        family: _Family,
        ids: dict[int, str],
        start: date,
        stepped_up: date | None,
        north: bool,
        rng: Random,
    ) -> None:
        worker = self.pool.pick(
            rng, "Early Help Locality North" if north else "Early Help Locality South"
        )
        end = stepped_up or (start + days(rng.randint(90, 400)))
        open_now = end >= self.as_of
        reason = rng.choice(_EH_REASONS)
        end_reason = "Stepped up to social care" if stepped_up else rng.choice(_EH_ENDS)
        town = family.home.address_on(self.as_of).town
        organisation = rng.choice(
            (f"Exampleshire Family Hub ({town})", "Exampleshire County Council Early Help")
        )
        for child in family.children:
            if child.dob >= start:
                continue
            self.t["ssd_early_help_episodes"].write(
                (
                    self.eh_ids.take(rng),
                    ids[child.pid],
                    ssd(start),
                    "" if open_now else ssd(end),
                    reason,
                    "" if open_now else end_reason,
                    organisation,
                    worker.staff_id,
                )
            )
            if open_now:
                worker.caseload += 1

    def _referrals(
        self,
        family: _Family,
        ids: dict[int, str],
        start: date,
        north: bool,
        rng: Random,
    ) -> None:
        as_of = self.as_of
        police = family.home.need < 0.04 and rng.random() < 0.6
        source = ("6", "Police", 0)
        if not police:
            source = rng.choices(_SOURCES, [w for *_, w in _SOURCES])[0]
        need = _weighted(rng, _NEEDS)
        nfa = rng.random() < 0.15
        kinship = any(c.carers for c in family.children)
        cp = not nfa and rng.random() < 0.3
        cla = not nfa and ((kinship and rng.random() < 0.6) or rng.random() < 0.15)
        hour, minute = 0, 0
        if rng.random() < 0.4:
            hour, minute = rng.randint(8, 17), rng.choice((0, 15, 30, 45))
        if nfa:
            close: date | None = start + days(rng.randint(5, 35))
            reason = rng.choice(("RC8", "RC9"))
        else:
            close = start + days(rng.randint(90, 900))
            reason = _weighted(rng, _CLOSE)
            if kinship and cla:
                reason = "RC4"
        if close is not None and close >= as_of:
            close, reason = None, ""
        intake = "Assessment Team North" if north else "Assessment Team South"
        long_term = (
            "Child Protection Team"
            if cp
            else "Children in Care Team"
            if cla
            else "Child in Need Team"
        )
        if any(c.sen == "E" for c in family.children) and not cp and rng.random() < 0.5:
            long_term = "Disabled Children's Team"
        first = self.pool.pick(rng, intake)
        change: date | None = None
        second: Staff | None = None
        if not nfa and rng.random() < 0.4:
            change = start + days(rng.randint(30, 120))
            if change < as_of and (close is None or change < close):
                second = self.pool.pick(rng, long_term)
            else:
                change = None
        worker = second or first
        outcome = json.dumps(
            {
                "SINGLE_ASSESSMENT_FLAG": "Y",
                "STRATEGY_DISCUSSION_FLAG": "Y" if cp or cla else "N",
                "S47_ENQUIRY_FLAG": "Y" if cp else "N",
                "ICPC_FLAG": "Y" if cp else "N",
                "NFA_FLAG": "Y" if nfa else "N",
                "EARLY_HELP_FLAG": "Y" if reason == "RC9" else "N",
            },
            sort_keys=True,
        )
        icpc = self.icpc_ids.take(rng) if cp else ""
        category = _weighted(rng, _CATEGORIES)
        cp_start = start + days(rng.randint(20, 60))
        cp_end: date | None = cp_start + days(rng.randint(90, 600))
        if close is not None:
            cp_end = min(cp_end, close) if cp_end else close
        cla_start = start + days(rng.randint(14, 300))
        if kinship:
            moves = [c.stints[-1].start for c in family.children if c.carers]
            cla_start = max(min(moves), start)
        cla_end: date | None = cla_start + days(rng.randint(120, 1100))
        if close is not None:
            cla = cla and cla_start < close
            cla_end = min(cla_end, close) if cla_end else close
        for child in family.children:
            if child.dob >= start:
                continue
            ref = self.referral_ids.take(rng)
            cid = ids[child.pid]
            self.t["ssd_cin_episodes"].write(
                (
                    ref,
                    cid,
                    ssd(start, hour, minute),
                    need,
                    source[0],
                    source[1],
                    outcome,
                    "Y" if nfa else "N",
                    reason,
                    ssd(close),
                    worker.team,
                    worker.staff_id,
                )
            )
            self._involvement(first, cid, ref, start, change or close, change is not None, rng)
            if second is not None and change is not None:
                self._involvement(second, cid, ref, change, close, False, rng)
            if cp and cp_start < as_of:
                end = cp_end if cp_end is not None and cp_end < as_of else None
                latest = category if rng.random() < 0.85 else _weighted(rng, _CATEGORIES)
                self.t["ssd_cp_plans"].write(
                    (
                        self.plan_ids.take(rng),
                        ref,
                        icpc,
                        cid,
                        ssd(cp_start),
                        ssd(end),
                        category,
                        "N" if rng.random() < 0.95 else "Y",
                        latest,
                    )
                )
            if cla and cla_start < as_of:
                end = cla_end if cla_end is not None and cla_end < as_of else None
                ceased = rng.choice(("E4A", "E41", "E45", "E46", "E11")) if end else ""
                if kinship and end:
                    ceased = "E46"
                last_iro = between(rng, cla_start, min(end or as_of, as_of))
                self.t["ssd_cla_episodes"].write(
                    (
                        self.cla_episode_ids.take(rng),
                        cid,
                        ssd(cla_start),
                        "S",
                        need if need != "N9" else "N1",
                        ssd(end),
                        ceased,
                        self.cla_ids.take(rng),
                        ref,
                        self.placement_ids.take(rng),
                        ssd(cla_start),
                        ssd(last_iro),
                    )
                )

    def _involvement(
        self,
        worker: Staff,
        person_id: str,
        referral: str,
        start: date,
        end: date | None,
        changed: bool,
        rng: Random,
    ) -> None:
        self.t["ssd_involvements"].write(
            (
                self.involvement_ids.take(rng),
                worker.staff_id,
                ROLE_IDS.get(worker.role, "1"),
                worker.team,
                ssd(start),
                ssd(end),
                rng.choice(_CHANGE_REASONS) if changed else "",
                person_id,
                referral,
            )
        )
        if end is None:
            worker.caseload += 1

    # -- staff ------------------------------------------------------------------------

    def write_staff(self) -> None:
        self.folder.write_rows(
            "ssd_professionals",
            COLUMNS["ssd_professionals"],
            [
                [
                    s.staff_id,
                    s.extra["staff_id"],
                    s.name,
                    s.extra["registration"],
                    s.role,
                    str(s.caseload),
                    s.team_id,
                    s.extra["fte"],
                    s.extra["agency"],
                    s.email,
                    s.phone,
                ]
                for s in self.pool.staff
            ],
        )
        self.folder.write_rows(
            "ssd_department",
            COLUMNS["ssd_department"],
            [[team_id, team, parent_id, parent] for team_id, team, parent_id, parent, *_ in TEAMS]
            + [["100", "Children's Social Care", "", ""], ["200", "Early Help Service", "", ""]],
        )
