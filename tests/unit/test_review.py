"""Match review without a graph: the decision form, record id validation, the policy
on every route, and the pure parts of reading pairs (percentages, explanations)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp import create_app, matches, review, users
from webapp.policy import policy_for
from webapp.store import audit_events

PASSWORD = "a-long-password"
SAME = "Select whether the records are about the same person or different people"


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'review.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("data_quality", "social_worker", "admin"):
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    return app


def signed_in(app, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": role, "password": PASSWORD}).status_code == 302
    return client


def audited(app, action: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.extensions["store"].connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.action == action))
        return [(row.outcome, row.detail) for row in rows]


# -- the form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "decision", SAME),
        ({"reason": "checked the school roll"}, "decision", SAME),
        ({"decision": "maybe"}, "decision", SAME),
        ({"decision": ""}, "decision", SAME),
        ({"decision": "same_person", "reason": "x" * 501}, "reason", "500 characters or fewer"),
        ({"decision": "different_people", "reason": " " + "y" * 501}, "reason", "500 characters"),
    ],
)
def test_decision_form_errors(app, data: dict, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/review/pair", method="POST", data=data):
        form = review.DecisionForm()
        assert not form.validate()
        assert set(form.errors) == {field}
        assert message in form.errors[field][0]


@pytest.mark.parametrize(
    ("data", "same_person", "reason"),
    [
        ({"decision": "same_person"}, True, ""),
        ({"decision": "different_people", "reason": "  twins, see the birth record  "}, False,
         "twins, see the birth record"),
        ({"decision": "same_person", "reason": "z" * 500}, True, "z" * 500),  # the limit itself
        ({"decision": "different_people", "reason": "   "}, False, ""),  # blank is no reason
    ],
)  # fmt: skip
def test_decision_form_accepts(app, data: dict, same_person: bool, reason: str) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/review/pair", method="POST", data=data):
        form = review.DecisionForm()
        assert form.validate(), form.errors
        assert form.same_person is same_person
        assert (form.reason.data or "") == reason


def test_decision_form_needs_a_csrf_token(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}", "TESTING": True})
    with app.test_request_context("/review/pair", method="POST", data={"decision": "same_person"}):
        form = review.DecisionForm()
        assert not form.validate() and "csrf_token" in form.errors


# -- record ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("social_care:ssd_person:1002", True),
        ("schools:pupils:H930123456010", True),
        ("housing:household_members:HMR000123/02", True),  # housing keys hold a slash
        ("schools:pupil_contacts:C000001", True),
        ("", False),
        (None, False),
        ("1002", False),
        ("social_care:1002", False),
        ("Social_Care:ssd_person:1002", False),
        ("social_care:ssd_person:", False),
        ("social_care:ssd_person:10 02", False),  # no spaces
        ("social_care:ssd_person:1002\n", False),
        ("social_care:ssd_person:1002' OR 1=1 //", False),
        ("social_care:ssd_person:" + "9" * 201, False),  # longer than any key
        ("s" * 41 + ":ssd_person:1", False),
        ("social_care:ssd_person:caf\u00e9", False),  # printable ASCII only
    ],
)
def test_record_ids_are_validated(value: str | None, valid: bool) -> None:
    assert matches.valid_record_id(value) is valid


# -- the policy on every route --------------------------------------------------------------


def test_review_routes_need_the_review_capability(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("review.")
    }
    assert endpoints == {"review.queue", "review.pair"}
    for endpoint in endpoints:
        assert app.view_functions[endpoint].required_capability == "review_matches"


def test_signed_out_visitors_are_sent_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    pair = "/review/pair?a=schools:pupils:X1&b=social_care:ssd_person:1"
    for response in (
        client.get("/review"),
        client.get(pair),
        client.post(pair, data={"decision": "same_person"}),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/review").status_code == 405  # the queue is read only


@pytest.mark.parametrize("role", ["social_worker", "admin"])
def test_roles_without_the_capability_are_refused_and_audited(app, role: str) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, role)
    assert client.get("/review").status_code == 403
    pair = "/review/pair?a=schools:pupils:H930123456010&b=social_care:ssd_person:1003"
    assert client.get(pair).status_code == 403
    assert client.post(pair, data={"decision": "same_person"}).status_code == 403
    assert [outcome for outcome, _ in audited(app, "denied")] == ["denied"] * 3
    assert not audited(app, "match_decision")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "a=schools:pupils:H930123456010",
        "a=x&b=y",
        "a=schools:pupils:H930123456010&b=schools:pupils:H930123456010",  # the same record twice
        "a=schools:pupils:" + "9" * 300 + "&b=social_care:ssd_person:1003",
        "a=schools:pupils:H93%0A&b=social_care:ssd_person:1003",
    ],
)
def test_malformed_pairs_are_refused_before_any_query(app, query: str) -> None:  # type: ignore[no-untyped-def]
    # No graph is configured here: a malformed id must never reach a query.
    client = signed_in(app, "data_quality")
    assert client.get(f"/review/pair?{query}").status_code == 400
    assert client.post(f"/review/pair?{query}", data={"decision": "same_person"}).status_code == 400
    assert [outcome for outcome, _ in audited(app, "review_pair")] == ["invalid"]
    assert [outcome for outcome, _ in audited(app, "match_decision")] == ["invalid"]


def test_nav_shows_match_review_to_reviewers_only(app) -> None:  # type: ignore[no-untyped-def]
    reviewer = _nav(signed_in(app, "data_quality").get("/account"))
    assert 'href="/review"' in reviewer and "Match review" in reviewer
    assert "/review" not in _nav(signed_in(app, "social_worker").get("/account"))


def _nav(response) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    start = html.index("govuk-service-navigation__list")
    return html[start : html.index("</ul>", start)]


# -- reading pairs: the pure parts --------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "shown"),
    [
        (0.5, "50%"),
        (0.8734, "87%"),
        (0.999, "99%"),
        (0.0001, "1%"),
        (1.0, "100%"),
        (None, "Not known"),
    ],
)
def test_probability_as_a_percentage(probability: float | None, shown: str) -> None:
    assert matches.percent(probability) == shown


def test_explanation_in_words() -> None:
    text = (
        '[{"field": "given_name", "level": "exact", "weight": 3.14},'
        ' {"field": "dob", "level": "one part off by one", "weight": -1.25},'
        ' {"field": "nhs_number", "level": "missing", "weight": 0}]'
    )
    found = matches.explanation(text)
    assert [e.field_name for e in found] == ["Given name", "Date of birth", "NHS number"]
    assert [e.level_name for e in found] == [
        "Agrees",
        "One part off by one",
        "Missing on one record",
    ]
    assert [e.signed_weight for e in found] == ["+3.1", "\u22121.2", "+0.0"]
    assert [e.direction for e in found] == ["For the same person", "Against", "Neither"]


@pytest.mark.parametrize("text", [None, "", "not json", "{}", '[1, "x", {"weight": "heavy"}]'])
def test_unreadable_explanations_are_left_out(text: str | None) -> None:
    assert matches.explanation(text) == []


def test_sources_outside_the_policy_are_never_queried(app) -> None:  # type: ignore[no-untyped-def]
    # No graph is configured: each of these must answer before reaching one.
    engine = app.extensions["store"]
    only_social_care = dataclasses.replace(
        policy_for("data_quality"), levels={"social_care": "summary"}
    )
    school = dataclasses.replace(
        policy_for("data_quality"), organisation_scope="pupils", organisation="A school"
    )
    with app.app_context():
        a, b = "schools:pupils:H930123456010", "social_care:ssd_person:1003"
        assert matches.pair(only_social_care, engine, a, b) is None
        assert matches.pair(only_social_care, engine, b, a) is None
        assert matches.pair(policy_for("social_worker"), engine, a, b) is None
        assert matches.pair(school, engine, a, b) is None
        assert matches.queue(school, engine).total == 0
        assert matches.queue(policy_for("social_worker"), engine).pairs == []


def test_decisions_on_a_pair_newest_first(app) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["store"]
    a, b = "social_care:ssd_person:1003", "schools:pupils:H930123456010"
    assert matches.decisions_on(engine, a, b) == []
    matches.record_decision(engine, a, b, True, "first", "")
    matches.record_decision(engine, b, a, False, "second", "twins")
    found = matches.decisions_on(engine, a, b)
    assert [(d.decided_by, d.decision_text, d.reason) for d in found] == [
        ("second", "Different people", "twins"),
        ("first", "Same person", ""),
    ]
    assert [(d.record_a, d.record_b, d.same_person) for d in matches.load_decisions(engine)] == [
        (b, a, False)  # stored smaller id first; the latest counts
    ]
