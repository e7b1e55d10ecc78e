"""Match review on the real graph: review pairs written through the ETL's own load file
(`cypher/load/review_pairs.cypher`) between records of the mini county, which itself
leaves no pair uncertain; each test removes them again through the ETL's retire file."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.integration.conftest import close, make_app
from tests.integration.conftest import signed_in as sign_in
from webapp import matches
from webapp.policy import policy_for
from webapp.store import audit_events

LIAM_SCHOOL, MIA_CARE = "schools:pupils:H930123456010", "social_care:ssd_person:1003"
TOM_SCHOOL, LIAM_CARE = "schools:pupils:J930123456030", "social_care:ssd_person:1002"
SIBLINGS = "same family name and address, different given names (siblings)"
EXPLANATION = [
    {"field": "given_name", "level": "different", "weight": -2.5},
    {"field": "family_name", "level": "exact", "weight": 4.25},
    {"field": "dob", "level": "one part differs", "weight": -1.5},
    {"field": "address", "level": "same address", "weight": 6.0},
]
PAIRS = [
    # (record_a, record_b, probability, guard): the ETL stores the smaller id first.
    (LIAM_SCHOOL, MIA_CARE, 0.93, SIBLINGS),
    (TOM_SCHOOL, LIAM_CARE, 0.61, None),
]


def pair_url(record_a: str, record_b: str) -> str:
    return "/review/pair?" + urlencode({"a": record_a, "b": record_b})


@pytest.fixture()
def review_pairs(graph) -> Iterator[None]:  # type: ignore[no-untyped-def]
    rows = [
        {
            "record_a": a,
            "record_b": b,
            "h": "test",
            "probability": probability,
            "explanation": json.dumps(EXPLANATION, sort_keys=True),
            "guard": guard,
        }
        for a, b, probability, guard in PAIRS
    ]
    graph.write("load/review_pairs", rows=rows)
    yield
    graph.write("retire/review_pairs", keys=[f"{a}|{b}" for a, b, _, _ in PAIRS])


@pytest.fixture()
def app(graph, graph_settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(graph_settings, tmp_path / "web.sqlite", ("data_quality", "social_worker"))
    yield app
    close(app)


def signed_in(app, role: str = "data_quality"):  # type: ignore[no-untyped-def]
    return sign_in(app, role)


def audited(app, action: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    with app.extensions["store"].connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.action == action))
        return [(row.outcome, json.loads(row.detail)) for row in rows]


def test_queue_lists_pairs_most_likely_first(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app).get("/review")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 pairs to review" in html
    first, second = (
        html.index(f'data-pair="{LIAM_SCHOOL}|{MIA_CARE}"'),
        html.index(f'data-pair="{TOM_SCHOOL}|{LIAM_CARE}"'),
    )
    assert first < second  # 93% before 61%
    assert "93%" in html and "61%" in html
    assert html.count(">Guard</strong>") == 1
    assert "Schools" in html and "Children&#39;s social care" in html
    assert "Tom Evans" in html and "Mia Jones" in html
    assert html.count(">To review</strong>") == 2
    assert f'href="/review/pair?a={LIAM_SCHOOL}&amp;b={MIA_CARE}"' in html
    assert audited(app, "review_queue") == [
        ("ok", {"page": 1, "pairs": 2, "total": 2, "path": "/review"})
    ]


def test_empty_queue_says_so(app) -> None:  # type: ignore[no-untyped-def]
    # The mini county as the ETL loads it leaves no pair uncertain.
    html = signed_in(app).get("/review").get_data(as_text=True)
    assert "There are no pairs to review" in html
    assert "<table" not in html


def test_social_worker_is_refused(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    assert client.get("/review").status_code == 403
    assert client.get(pair_url(LIAM_SCHOOL, MIA_CARE)).status_code == 403
    refused = client.post(pair_url(LIAM_SCHOOL, MIA_CARE), data={"decision": "same_person"})
    assert refused.status_code == 403
    assert matches.load_decisions(app.extensions["store"]) == []
    assert [outcome for outcome, _ in audited(app, "denied")] == ["denied"] * 3


def test_pair_page_shows_both_records_and_the_explanation(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    response = client.get(pair_url(LIAM_SCHOOL, MIA_CARE))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Liam Jones and Mia Jones" in html and "93% likely" in html
    assert "3 June 2014" in html and "21 September 2017" in html
    assert "H930123456010" in html and ">1003<" in html  # the record keys
    assert "14 Mill Lane" in html and "EX9 4QA" in html
    assert "Unique pupil number" in html and "W930123456020" in html  # granted to data quality
    assert "NHS number" in html
    # Which person each record belongs to now.
    assert html.count("Person P") == 2 and "known to Schools, Children&#39;s social care" in html
    # The explanation, in words, with the sign explained.
    evidence = html[html.index('id="evidence"') :]
    for words in ("Given name", "Differs", "\u22122.5", "Family name", "Agrees", "+4.2", "+6.0"):
        assert words in evidence, words
    assert "Against" in evidence and "For the same person" in evidence
    assert "A positive weight is evidence that the two records are about one person" in html
    assert "A family-safe guard would keep these records apart: " + SIBLINGS in html
    assert 'name="decision"' in html and 'name="reason"' in html
    # Either order of the two ids finds the pair.
    assert client.get(pair_url(MIA_CARE, LIAM_SCHOOL)).status_code == 200
    assert [outcome for outcome, _ in audited(app, "review_pair")] == ["ok", "ok"]
    assert audited(app, "review_pair")[0][1]["record_a"] == LIAM_SCHOOL


def test_pairs_not_in_the_queue_are_404(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    for a, b in ((LIAM_SCHOOL, LIAM_CARE), (TOM_SCHOOL, "schools:pupils:NOSUCHPUPIL")):
        response = client.get(pair_url(a, b))
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
        assert client.post(pair_url(a, b), data={"decision": "same_person"}).status_code == 404
    assert matches.load_decisions(app.extensions["store"]) == []
    assert {outcome for outcome, _ in audited(app, "review_pair")} == {"not_found"}


def test_sources_the_viewer_cannot_see_hide_the_pair(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["store"]
    reviewer = policy_for("data_quality")
    care_only = dataclasses.replace(reviewer, levels={"social_care": "summary"})
    no_identifiers = dataclasses.replace(reviewer, fields=frozenset())
    with app.app_context():
        assert matches.queue(reviewer, engine).total == 2
        assert matches.queue(care_only, engine).total == 0  # every pair has a school record
        assert matches.pair(care_only, engine, LIAM_SCHOOL, MIA_CARE) is None
        shown = matches.pair(no_identifiers, engine, LIAM_SCHOOL, MIA_CARE)
        assert shown is not None and shown.a.upn is None and shown.b.upn is None
        assert matches.pair(reviewer, engine, LIAM_SCHOOL, MIA_CARE).a.upn == "H930123456010"


def test_queue_pages(app, review_pairs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(matches, "PER_PAGE", 1)
    client = signed_in(app)
    first = client.get("/review").get_data(as_text=True)
    assert "2 pairs to review, page 1 of 2" in first and "Mia Jones" in first
    assert "govuk-pagination" in first and 'href="/review?page=2"' in first
    second = client.get("/review?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second and "Tom Evans" in second and "Mia Jones" not in second
    past_the_end = client.get("/review?page=9").get_data(as_text=True)
    assert "page 2 of 2" in past_the_end
    assert "page 1 of 2" in client.get("/review?page=x").get_data(as_text=True)


def test_decision_without_a_choice_is_an_error(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app).post(pair_url(LIAM_SCHOOL, MIA_CARE), data={"reason": "checked"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and 'href="#decision"' in html
    assert "Select whether the records are about the same person or different people" in html
    assert "<title>Error:" in html
    assert ">checked</textarea>" in html  # what was typed is kept
    assert matches.load_decisions(app.extensions["store"]) == []
    assert audited(app, "match_decision")[0][0] == "invalid"
    assert audited(app, "match_decision")[0][1]["invalid"] == ["decision"]


def test_too_long_a_reason_is_an_error(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app).post(
        pair_url(LIAM_SCHOOL, MIA_CARE), data={"decision": "same_person", "reason": "x" * 501}
    )
    assert response.status_code == 400
    assert "Reason must be 500 characters or fewer" in response.get_data(as_text=True)
    assert matches.load_decisions(app.extensions["store"]) == []


def test_decision_is_recorded_audited_and_shown(app, review_pairs) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    response = client.post(
        pair_url(MIA_CARE, LIAM_SCHOOL),
        data={"decision": "different_people", "reason": "  Siblings: different dates of birth "},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    engine = app.extensions["store"]
    decisions = matches.load_decisions(engine)
    assert [(d.record_a, d.record_b, d.same_person) for d in decisions] == [
        (LIAM_SCHOOL, MIA_CARE, False)
    ]
    recorded = matches.decisions_on(engine, LIAM_SCHOOL, MIA_CARE)
    assert [(d.decided_by, d.reason) for d in recorded] == [
        ("data_quality", "Siblings: different dates of birth")
    ]
    [(outcome, detail)] = audited(app, "match_decision")
    assert outcome == "ok"
    assert detail["decision"] == "different_people" and detail["guard"] is True
    assert {detail["record_a"], detail["record_b"]} == {LIAM_SCHOOL, MIA_CARE}
    assert detail["reason_given"] is True and "Siblings" not in json.dumps(detail)
    # The queue says so (once), and marks the pair decided until the next refresh.
    queue = client.get("/review").get_data(as_text=True)
    assert "Decision recorded: it applies at the next refresh" in queue
    assert "govuk-notification-banner--success" in queue
    assert "Decided: different people" in queue and queue.count(">To review</strong>") == 1
    assert "Decision recorded" not in client.get("/review").get_data(as_text=True)
    # The pair page shows who decided what, and when.
    page = client.get(pair_url(LIAM_SCHOOL, MIA_CARE)).get_data(as_text=True)
    assert "A decision is already recorded: different people" in page
    assert "by data_quality" in page and "Siblings: different dates of birth" in page
    # A second decision is kept too, and is the one that counts.
    client.post(pair_url(LIAM_SCHOOL, MIA_CARE), data={"decision": "same_person"})
    assert [d.same_person for d in matches.load_decisions(engine)] == [True]
    page = client.get(pair_url(LIAM_SCHOOL, MIA_CARE)).get_data(as_text=True)
    assert "already recorded: same person" in page and "1 earlier decision is kept" in page
