"""The model's comparisons and blocking rules, written once for every SQL backend.

Each comparison is a list of levels, most specific first. A level has a label (shown
in charts and stored in explanations), a SQL condition over the standardised columns
(`features.py`) with `{dl}`, `{jw}` and `{overlap}` standing for the backend's
Damerau-Levenshtein, Jaro-Winkler and array-overlap functions, and a sentence for
people. `population` marks levels whose chance among random pairs falls as the data
grows (sharing an address is rarer among a million records than among a thousand);
`model_store` rescales them for the data being matched.

Address evidence is one comparison: separate street, house number and postcode
comparisons would count the same household several times and merge relatives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from splink import block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_level_library import CustomLevel
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator

FUNCTIONS = {
    "duckdb": {"dl": "damerau_levenshtein", "jw": "jaro_winkler_similarity",
               "overlap": "list_has_any"},
    "spark": {"dl": "damerau_levenshtein", "jw": "jaro_winkler", "overlap": "arrays_overlap"},
}  # fmt: skip


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    reason: str
    population: bool = False
    # Least m probability: a level never seen among true matches in training still
    # happens in real data (sex recorded wrongly, say), so its weight stays finite.
    m_floor: float = 1e-4
    # Levels in a group have m and u conditional on the group (see the address).
    group: str | None = None
    # Evidence already counted by another comparison: weight fixed at zero.
    counted_in: str | None = None
    # Term-frequency adjustment on this column: agreeing on a rare name counts more.
    tf_column: str | None = None


@dataclass(frozen=True)
class Comparison:
    name: str  # Splink output column name and the explanation's "field"
    null_sql: str
    levels: tuple[Level, ...]  # without the null level; the last is "else"

    def level_labels(self) -> list[str]:
        """Labels in comparison-vector order: gamma -1 is null, then levels from the
        least similar (gamma 0, "else") to the most."""
        return [level.label for level in self.levels]


def _else(reason: str) -> Level:
    return Level("different", "ELSE", reason)


SWAPPED = "given_full_l = family_r AND family_l = given_full_r"

# Given name and address are judged within groups of pairs, so that evidence the
# household shares is not counted several times. Relatives share a family name and an
# address, and names run in families and communities: among different people, "same
# given name" is far commoner when the family name agrees too, and "same address" is
# common when the family name agrees (relatives) but rare when both names agree (a
# namesake at the same address). Training turns each group's m and u into
# probabilities given the group (P(level | group)), so the comparisons chain:
# P(family) * P(given | family) * P(address | family, given).
FAMILY_AGREE_SQL = (
    "family_l = family_r OR {overlap}(family_tokens_l, family_tokens_r)"
    " OR {dl}(family_l, family_r) <= 1 OR family_meta_l = family_meta_r"
    " OR (" + SWAPPED + ")"
)
# A nickname: one record's given name is a short form of the other's (Bill and
# William), not two short forms of one name (Alfie and Freddie, both Alfred: often
# brothers). A typing slip: one letter apart, unless both are names people are
# given (Jason and Mason are two boys; `given_names.py`).
NICKNAME_SQL = "{overlap}(given_keys_l, given_all_r) OR {overlap}(given_all_l, given_keys_r)"
TYPO_SQL = "{dl}(given_l, given_r) <= 1 AND NOT (given_known_l AND given_known_r)"
GIVEN_AGREE_SQL = f"given_l = given_r OR {NICKNAME_SQL} OR ({TYPO_SQL}) OR (" + SWAPPED + ")"
FAMILY_AGREES, FAMILY_DIFFERS = "family agrees", "family differs"
NAMES_AGREE, GIVEN_DIFFERS = "names agree", "family agrees, given differs"
Group = tuple[str, str, str]  # (name, SQL condition, note for labels)
_BY_FAMILY: tuple[Group, ...] = (
    (FAMILY_AGREES, f"({FAMILY_AGREE_SQL})", "family name agrees"),
    (FAMILY_DIFFERS, f"NOT coalesce({FAMILY_AGREE_SQL}, FALSE)", "family name differs"),
)
_BY_NAMES: tuple[Group, ...] = (
    (NAMES_AGREE, f"({FAMILY_AGREE_SQL}) AND ({GIVEN_AGREE_SQL})", "names agree"),
    (
        GIVEN_DIFFERS,
        f"({FAMILY_AGREE_SQL}) AND NOT coalesce({GIVEN_AGREE_SQL}, FALSE)",
        "family name agrees, given differs",
    ),
    _BY_FAMILY[1],
)


def _grouped(
    levels: list[Level], groups: tuple[Group, ...], tf_in_last_group: bool = False
) -> tuple[Level, ...]:
    """Each level once per group. The last level of the last group is the comparison's
    ELSE; `tf_in_last_group` keeps term-frequency adjustments in the last group only."""
    out: list[Level] = []
    for index, (group, condition, note) in enumerate(groups):
        last_group = index == len(groups) - 1
        for level in levels:
            is_else = level.sql == "ELSE"
            sql = "ELSE" if is_else and last_group else "TRUE" if is_else else level.sql
            out.append(
                replace(
                    level,
                    label=f"{level.label} ({note})",
                    sql=sql if sql == "ELSE" else f"{condition} AND ({sql})",
                    group=group,
                    tf_column=level.tf_column if last_group and tf_in_last_group else None,
                )
            )
    return tuple(out)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_name",
        "given_l IS NULL OR given_r IS NULL",
        _grouped(
            [
                Level("exact", "given_l = given_r", "given name agrees", tf_column="given"),
                Level("swapped", SWAPPED, "given and family names swapped"),
                Level(
                    "nickname",
                    NICKNAME_SQL,
                    "given names agree as a nickname or another given name",
                ),
                Level("typo", TYPO_SQL, "given name differs by one letter"),
                Level("similar", "{jw}(given_l, given_r) >= 0.88", "given names are similar"),
                _else("given names differ"),
            ],
            _BY_FAMILY,
            tf_in_last_group=True,
        ),
    ),
    Comparison(
        "family_name",
        "family_l IS NULL OR family_r IS NULL",
        (
            Level("exact", "family_l = family_r", "family name agrees", tf_column="family"),
            Level(
                "swapped",
                SWAPPED,
                "given and family names swapped",
                counted_in="given_name",
            ),
            Level(
                "shared word",
                "{overlap}(family_tokens_l, family_tokens_r)",
                "family names share a word (double-barrelled or changed)",
            ),
            Level("typo", "{dl}(family_l, family_r) <= 1", "family name differs by one letter"),
            Level(
                "similar",
                "{jw}(family_l, family_r) >= 0.9 OR family_meta_l = family_meta_r",
                "family names are similar or sound alike",
            ),
            _else("family names differ"),
        ),
    ),
    Comparison(
        "dob",
        "dob_l IS NULL OR dob_r IS NULL",
        (
            Level("exact", "dob_l = dob_r", "date of birth agrees"),
            Level(
                "day and month swapped",
                "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
                "date of birth: day and month swapped",
            ),
            Level(
                "one part off by one",
                "(dob_y_l = dob_y_r AND dob_m_l = dob_m_r AND abs(dob_d_l - dob_d_r) = 1)"
                " OR (dob_m_l = dob_m_r AND dob_d_l = dob_d_r AND abs(dob_y_l - dob_y_r) = 1)"
                " OR (dob_y_l = dob_y_r AND dob_d_l = dob_d_r AND abs(dob_m_l - dob_m_r) = 1)",
                "date of birth: day, month or year one out",
            ),
            Level(
                "one part differs",
                "(dob_y_l = dob_y_r AND dob_m_l = dob_m_r)"
                " OR (dob_m_l = dob_m_r AND dob_d_l = dob_d_r)"
                " OR (dob_y_l = dob_y_r AND dob_d_l = dob_d_r)",
                "date of birth: one of day, month or year differs",
            ),
            _else("dates of birth differ"),
        ),
    ),
    Comparison(
        "address",
        "(uprn_l IS NULL OR uprn_r IS NULL) AND ("
        "(postcode_l IS NULL AND (addr_num_l IS NULL OR street_l IS NULL))"
        " OR (postcode_r IS NULL AND (addr_num_r IS NULL OR street_r IS NULL)))",
        _grouped(
            [
                Level(
                    "same address",
                    "uprn_l = uprn_r OR (postcode_l = postcode_r"
                    " AND coalesce(addr_num_l, '') = coalesce(addr_num_r, '')"
                    " AND coalesce(street_l, '') = coalesce(street_r, ''))",
                    "same address",
                    population=True,
                ),
                Level(
                    "same first line, no postcode",
                    "(postcode_l IS NULL OR postcode_r IS NULL)"
                    " AND addr_num_l = addr_num_r AND street_l = street_r",
                    "same first line of address (a postcode is missing)",
                    population=True,
                ),
                Level(
                    "same postcode",
                    "postcode_l = postcode_r",
                    "same postcode, different house",
                    population=True,
                ),
                Level(
                    "same sector",
                    "sector_l = sector_r",
                    "neighbouring addresses (same postcode sector)",
                    population=True,
                ),
                _else("addresses differ"),
            ],
            _BY_NAMES,
        ),
    ),
    Comparison(
        "sex",
        "sex_l IS NULL OR sex_r IS NULL",
        (
            Level("exact", "sex_l = sex_r", "sex agrees"),
            Level("different", "ELSE", "sex differs", m_floor=0.01),
        ),
    ),
    Comparison(
        "nhs_number",
        "nhs_l IS NULL OR nhs_r IS NULL",
        (
            Level("exact", "nhs_l = nhs_r", "NHS number agrees"),
            Level("different", "ELSE", "NHS numbers differ", m_floor=1e-6),
        ),
    ),
    Comparison(
        "upn",
        "upn_l IS NULL OR upn_r IS NULL",
        (
            Level("exact", "upn_l = upn_r", "UPN agrees"),
            Level("different", "ELSE", "UPNs differ", m_floor=1e-6),
        ),
    ),
)


def _similar_text(column: str, words: str, limits: tuple[float, ...]) -> list[Level]:
    """One typing slip, then Jaro-Winkler at each of `limits`, on `column` (`words`:
    how the field is named in explanations)."""
    levels = [
        Level("typo", f"{{dl}}({column}_l, {column}_r) <= 1", f"{words} differs by one letter")
    ]
    for limit in limits:
        levels.append(
            Level(
                f"similar {limit}",
                f"{{jw}}({column}_l, {column}_r) >= {limit}",
                f"{words} similar (Jaro-Winkler at least {limit})",
            )
        )
    return levels


def _exact_or_slip(name: str, column: str, reasons: tuple[str, str, str]) -> Comparison:
    """A comparison of `column` with three levels: equal, one typing slip, else
    (`reasons` for each, in that order)."""
    same, slip, differ = reasons
    return Comparison(
        name,
        f"{column}_l IS NULL OR {column}_r IS NULL",
        (
            Level("exact", f"{column}_l = {column}_r", same),
            Level("typo", f"{{dl}}({column}_l, {column}_r) <= 1", slip),
            _else(differ),
        ),
    )


# Each field on its own, for data with no households or relatives in it, such as the
# FEBRL benchmark's (`benchmarks/matching.py` trains a model on these). Not part of
# the county model: there, separate address fields count one household's evidence
# several times over and merge relatives (see the address comparison above).
FIELD_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name",
        "given_l IS NULL OR given_r IS NULL",
        (
            Level("exact", "given_l = given_r", "given name agrees", tf_column="given"),
            Level("swapped", SWAPPED, "given and family names swapped"),
            *_similar_text("given", "given name", (0.9, 0.8)),
            _else("given names differ"),
        ),
    ),
    Comparison(
        "surname",
        "family_l IS NULL OR family_r IS NULL",
        (
            Level("exact", "family_l = family_r", "family name agrees", tf_column="family"),
            *_similar_text("family", "family name", (0.9, 0.8)),
            _else("family names differ"),
        ),
    ),
    Comparison(
        "birth_date",
        "dob_l IS NULL OR dob_r IS NULL",
        (
            Level("exact", "dob_l = dob_r", "date of birth agrees"),
            Level("typo", "{dl}(dob_l, dob_r) <= 1", "date of birth: one digit differs"),
            *(
                level
                for level in COMPARISONS[2].levels
                if level.label in ("day and month swapped", "one part differs")
            ),
            Level("two digits", "{dl}(dob_l, dob_r) <= 2", "date of birth: two digits differ"),
            _else("dates of birth differ"),
        ),
    ),
    _exact_or_slip(
        "postcode",
        "postcode",
        ("same postcode", "postcode differs by one character", "postcodes differ"),
    ),
    _exact_or_slip(
        "house_number",
        "addr_num",
        ("same house number", "house numbers one digit apart", "house numbers differ"),
    ),
    Comparison(
        "street",
        "street_l IS NULL OR street_r IS NULL",
        (
            Level("exact", "street_l = street_r", "same street"),
            *_similar_text("street", "street name", (0.9, 0.8)),
            _else("streets differ"),
        ),
    ),
)

BY_NAME = {comparison.name: comparison for comparison in COMPARISONS + FIELD_COMPARISONS}


def splink_comparisons(dialect: str, names: list[str] | None = None) -> list[CustomComparison]:
    """Splink comparison creators for `dialect` (`duckdb` or `spark`)."""
    functions = FUNCTIONS[dialect]
    chosen = [BY_NAME[name] for name in names] if names else list(COMPARISONS)
    out = []
    for comparison in chosen:
        levels: list[Any] = [
            CustomLevel(comparison.null_sql, "missing").configure(is_null_level=True)
        ]
        for level in comparison.levels:
            sql = level.sql.format(**functions)
            creator = CustomLevel(sql, level.label)
            if level.tf_column:
                creator.configure(
                    tf_adjustment_column=level.tf_column, disable_tf_exact_match_detection=True
                )
            levels.append(creator)
        out.append(CustomComparison(levels, output_column_name=comparison.name))
    return out


# Blocking: pairs are scored only when they agree on one of these.
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("nhs",),
    ("upn",),
    ("dob", "family_meta"),
    ("dob", "given_meta"),
    ("dob", "postcode"),
    ("given_meta", "family_meta", "dob_y"),
    ("given_meta", "family_meta", "sector"),
    ("family_meta", "postcode"),
    ("given_meta", "postcode"),
    ("given_meta", "addr_num", "street"),
)
SWAPPED_RULE = "l.given_full = r.family AND l.family = r.given_full"
# Same-sounding names with nothing else in common (a contact with an old address and
# no date of birth): worth scoring in a small county, where they can reach the review
# or link band, but a million records make tens of millions of such pairs, all too
# weak to link. Used up to SMALL_DATA records.
SMALL_DATA_RULES: tuple[tuple[str, ...], ...] = (("given_meta", "family_meta"),)
SMALL_DATA = 250_000


def splink_blocking_rules(records: int | None = None) -> list[BlockingRuleCreator]:
    """The blocking rules for `records` input records (None: the model file's set)."""
    columns = BLOCKING_RULES
    if records is not None and records <= SMALL_DATA:
        columns += SMALL_DATA_RULES
    rules: list[BlockingRuleCreator] = [block_on(*names) for names in columns]
    rules.append(CustomRule(SWAPPED_RULE))
    return rules


def blocking_rule_dicts(records: int, dialect: str) -> list[dict[str, Any]]:
    """Blocking rules as Splink settings entries, for a model about to predict."""
    return json.loads(_blocking_rule_text(records <= SMALL_DATA, dialect))


@cache
def _blocking_rule_text(small: bool, dialect: str) -> str:
    """`blocking_rule_dicts` as JSON (building them parses SQL: done once a process)."""
    rules = splink_blocking_rules(SMALL_DATA if small else SMALL_DATA + 1)
    return json.dumps([rule.create_blocking_rule_dict(dialect) for rule in rules])


def reason_for(name: str, gamma: int) -> tuple[str, str]:
    """(level label, sentence) of comparison `name` at comparison-vector value `gamma`."""
    comparison = BY_NAME[name]
    if gamma < 0:
        return "missing", f"{name.replace('_', ' ')} missing on one record"
    level = comparison.levels[len(comparison.levels) - 1 - gamma]
    return level.label, level.reason
