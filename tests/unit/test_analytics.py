"""Analyst figures: family networks as connected components, counts suppressed."""

from __future__ import annotations

from webapp.analytics import figures, published, shown


def test_small_counts_are_suppressed() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 1234)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "1,234",
    ]


def test_a_lone_small_count_takes_the_next_smallest_with_it() -> None:
    # Each column adds up to a total the page shows: 3 = total - 120 - 50 otherwise.
    assert published([120, 3, 50, 0]) == ["120", "fewer than 5", "not shown", "0"]
    assert published([120, 3, 2, 50]) == ["120", "fewer than 5", "fewer than 5", "50"]
    assert published([7, 3, 7]) == ["not shown", "fewer than 5", "7"]  # the first of a tie
    assert published([3, 0]) == ["fewer than 5", "0"]  # the total is small too
    assert published([120, 50]) == ["120", "50"]


def people(*spec: tuple[str, list[str]]) -> list[dict]:
    """The known-to counts the analyst_people query returns for these people."""
    counts: dict[int, int] = {}
    for _, known in spec:
        counts[len(known)] = counts.get(len(known), 0) + 1
    return [{"agencies": agencies, "people": n} for agencies, n in counts.items()]


def test_networks_are_components_of_two_or_more_and_agencies_are_counted_across_members() -> None:
    found = figures(
        people(
            ("a", ["schools"]),
            ("b", ["health", "schools"]),
            ("c", ["police"]),
            ("d", ["housing"]),
            ("e", ["health"]),
        ),
        [
            {"person_id": "a", "source": "schools"},
            {"person_id": "c", "source": "police"},
            {"person_id": "e", "source": "health"},
        ],
        [
            {"start": "a", "end": "b"},
            {"start": "b", "end": "c"},
            {"start": "d", "end": "d"},
        ],
    )
    assert (found.people, found.families, found.in_families) == (5, 1, 3)
    tables = {table.key: table for table in found.tables}
    assert tables["known"].rows[:2] == [("1", "fewer than 5"), ("2", "fewer than 5")]
    assert tables["sizes"].rows[1] == ("3 to 4", "fewer than 5")
    # a, b and c: schools and police involved; d and e have no recorded family.
    involved = dict((row[0], row[1:]) for row in tables["involved"].rows)
    assert involved["2"] == ("fewer than 5", "0")
    assert involved["None"] == ("0", "fewer than 5") and involved["1"] == ("0", "fewer than 5")
    assert tables["largest"].rows == [("3", "2")]
