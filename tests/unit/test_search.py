"""Search form rules and name ranking, on tiny inline data."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.search import name_score, parse


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name, date of birth"),
        ({"name": "x" * 101}, "name", "100 characters or fewer"),
        ({"dob-day": "31", "dob-month": "2", "dob-year": "2015"}, "dob", "real date"),
        ({"dob-day": "1", "dob-month": "", "dob-year": "2015"}, "dob", "day, month and year"),
        ({"dob-day": "1", "dob-month": "1", "dob-year": "2999"}, "dob", "in the past"),
        ({"postcode": "NOT A CODE"}, "postcode", "real postcode"),
        ({"identifier": "1234567890"}, "identifier", "valid NHS number"),
    ],
)
def test_bad_input_gets_a_clear_message(args: dict, field: str, message: str) -> None:
    query = parse(args)
    assert message in query.errors[field]


def test_good_input_is_normalised() -> None:
    query = parse(
        {
            "name": " Liam  JONES ",
            "dob-day": "3",
            "dob-month": "6",
            "dob-year": "2014",
            "postcode": "ex94qa",
            "identifier": "999 000 0018",
        }
    )
    assert not query.errors
    assert query.words == ["liam", "jones"]
    assert query.dob == date(2014, 6, 3)
    assert query.postcode == "EX9 4QA"
    assert query.nhs_number == "9990000018" and query.upn is None
    assert parse({"identifier": "h930123456010"}).upn == "H930123456010"
    assert parse({}).submitted is False


ROW = {"given_key": "frederick", "family_key": "smith", "other_names": ["Fred Smyth"]}


@pytest.mark.parametrize(
    ("search", "matches"),
    [
        ("frederick smith", True),
        ("fred smith", True),  # prefix
        ("frederik smith", True),  # typo
        ("smith frederick", True),  # recorded the wrong way round
        ("fred smyth", True),  # a name another source holds
        ("smith", True),
        ("george smith", False),
        ("frederick jones", False),
    ],
)
def test_name_score(search: str, matches: bool) -> None:
    assert bool(name_score(search.split(), ROW)) is matches


def test_exact_names_rank_above_near_misses() -> None:
    exact = name_score(["frederick", "smith"], ROW)
    typo = name_score(["frederik", "smith"], ROW)
    assert exact > typo > 0


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("liam", "laim", 1),
        ("smith", "smyth", 1),
        ("jones", "jones", 0),
        ("ann", "anne", 1),
        ("frederick", "frederik", 1),
        ("kate", "cait", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    from webapp.search import edit_distance

    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("search", "row", "matches"),
    [
        ("bill smith", {"given_key": "william", "family_key": "smith"}, True),  # nickname
        ("william smith", {"given_key": "bill", "family_key": "smith"}, True),  # and back
        ("liam smith", {"given_key": "william", "family_key": "smith"}, True),
        ("liam smith", {"given_key": "bill", "family_key": "smith"}, False),  # two short forms
        ("alfie jones", {"given_key": "freddie", "family_key": "jones"}, False),  # (Alfred)
        ("laim jones", {"given_key": "william", "family_key": "jones"}, True),  # slip + nickname
        ("frederick smiht", {"given_key": "frederick", "family_key": "smith"}, True),
        ("frederik smiht", {"given_key": "fred", "family_key": "smith"}, True),
        ("smiht fred", {"given_key": "frederick", "family_key": "smith"}, True),  # swapped
        ("sally jones", {"given_key": "sarah", "family_key": "jones"}, True),
        ("amy filips", {"given_key": "amelia", "family_key": "phillips"}, True),  # sounds alike
        ("kit evans", {"given_key": "tom", "family_key": "evans"}, False),
        # A name another record of a visible source holds (a preferred name).
        (
            "kit evans",
            {"given_key": "tom", "family_key": "evans", "other_given_names": ["Kit"]},
            True,
        ),
        ("bill", {"given_key": "william", "family_key": "smith"}, True),  # one word: given too
        ("jnoes", {"given_key": "mia", "family_key": "jones"}, True),
        ("george smith", {"given_key": "william", "family_key": "smith"}, False),
    ],
)
def test_nicknames_slips_and_sounds(search: str, row: dict, matches: bool) -> None:
    assert bool(name_score(search.split(), row)) is matches


def test_closer_names_rank_higher() -> None:
    def score(search: str, given: str, **more: object) -> float:
        return name_score(search.split(), {"given_key": given, "family_key": "smith", **more})

    exact = score("frederick smith", "frederick")
    prefix = score("fred smith", "frederick")
    slip = score("frederik smith", "frederick")
    nickname = score("freddie smith", "frederick")
    two_slips = score("frederkci smith", "frederick")
    sound = score("phillip smith", "filip")
    assert exact > prefix > slip > nickname > two_slips > sound > 0
    # A name another record holds ranks just below the same name shown.
    assert score("mary smith", "molly", other_names=["Mary Smith"]) < exact
    # One letter apart but both names people are given: below a nickname.
    assert 0 < score("jason smith", "mason") < score("bill smith", "william")


def test_nickname_forms_are_one_step_either_way() -> None:
    from webapp.search import nickname_forms

    assert {"bill", "liam", "will", "william"} <= set(nickname_forms("william"))
    assert "william" in nickname_forms("bill")
    assert "liam" not in nickname_forms("bill")  # Bill and Liam are both William
