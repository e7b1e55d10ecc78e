"""Match review in Chromium: a data quality officer reviews a pair by keyboard alone,
and axe-core finds no serious or critical problem on the queue or the pair page.

Uses the session's browser (tests/browser/conftest.py) with its own live app, where a
data quality officer can sign in, on the session's graph; review pairs are written
through the ETL's own load file and removed through its retire file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, serving
from tests.browser.test_journey import tab_to_field
from webapp import create_app, matches, users

PASSWORD = "review-browser-password"
LIAM_SCHOOL, MIA_CARE = "schools:pupils:H930123456010", "social_care:ssd_person:1003"
TOM_SCHOOL, LIAM_CARE = "schools:pupils:J930123456030", "social_care:ssd_person:1002"
PAIRS = [
    (LIAM_SCHOOL, MIA_CARE, 0.93, "same family name and address, different given names (siblings)"),
    (TOM_SCHOOL, LIAM_CARE, 0.61, None),
]
EXPLANATION = json.dumps(
    [
        {"field": "given_name", "level": "different", "weight": -2.5},
        {"field": "family_name", "level": "exact", "weight": 4.25},
        {"field": "address", "level": "same address", "weight": 6.0},
    ]
)
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_review(graph, graph_settings, tmp_path_factory) -> Iterator[tuple[str, object]]:  # type: ignore[no-untyped-def]
    database = Path(tmp_path_factory.mktemp("review-browser")) / "web.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "GRAPH_SETTINGS": graph_settings})
    users.upsert(app.extensions["store"], "data_quality", PASSWORD, "data_quality")
    with serving(app) as url:
        yield url, app


@pytest.fixture()
def review_pairs(graph) -> Iterator[None]:  # type: ignore[no-untyped-def]
    rows = [
        {"record_a": a, "record_b": b, "h": "test", "probability": p, "explanation": EXPLANATION,
         "guard": guard}
        for a, b, p, guard in PAIRS
    ]  # fmt: skip
    graph.write("load/review_pairs", rows=rows)
    yield
    graph.write("retire/review_pairs", keys=[f"{a}|{b}" for a, b, _, _ in PAIRS])


@pytest.fixture()
def page(browser, live_review) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_review[0])
    yield context.new_page()
    context.close()


def sign_in_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    tab_to_field(page, "username")
    page.keyboard.type("data_quality")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search")


def tab_until(page, check: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `check` (JavaScript, given the focused element `el`) is true."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({check}); }})()"):
            return
    raise AssertionError(f"could not reach an element where {check} with the Tab key")


def tab_to_text(page, text: str) -> None:  # type: ignore[no-untyped-def]
    tab_until(page, f"el && el.innerText && el.innerText.includes({json.dumps(text)})")


def test_a_pair_is_reviewed_by_keyboard_alone(page, live_review, review_pairs) -> None:  # type: ignore[no-untyped-def]
    sign_in_by_keyboard(page)
    tab_to_text(page, "Match review")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review")
    page.get_by_role("heading", level=1, name="Match review").wait_for()
    tab_to_text(page, "Liam Jones and Mia Jones")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Liam Jones and Mia Jones").wait_for()
    assert "siblings" in page.locator(".govuk-warning-text").inner_text()
    # Submitting with no choice: the error summary takes focus and links to the radios.
    tab_to_text(page, "Record decision")
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error:")
    # Tab only once the summary has taken focus: GOV.UK Frontend's script moves focus
    # there when it starts, which on a busy machine can be after the first Tab.
    page.wait_for_function(
        "document.activeElement && document.activeElement.classList.contains('govuk-error-summary')"
    )
    tab_to_text(page, "Select whether the records are about the same person")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'decision'")
    page.keyboard.press("ArrowDown")  # moves to, and selects, "Different people"
    assert page.is_checked("#decision-2") and not page.is_checked("#decision")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.type("Siblings: different given names and dates of birth")
    tab_to_text(page, "Record decision")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review")
    banner = page.locator(".govuk-notification-banner--success")
    assert "Decision recorded: it applies at the next refresh" in banner.inner_text()
    row = page.locator(f'tr[data-pair="{LIAM_SCHOOL}|{MIA_CARE}"]')
    assert "Decided: different people" in row.inner_text()
    engine = live_review[1].extensions["store"]
    decided = [d for d in matches.load_decisions(engine) if d.record_a == LIAM_SCHOOL]
    assert [(d.record_b, d.same_person) for d in decided] == [(MIA_CARE, False)]


def test_review_pages_have_no_serious_accessibility_violations(page, review_pairs) -> None:  # type: ignore[no-untyped-def]
    sign_in_by_keyboard(page)
    page.goto("/review")
    assert axe_violations(page) == [], "queue"
    page.get_by_role("link", name="Review Tom Evans and Liam Jones").click()
    page.get_by_role("heading", level=1, name="Tom Evans and Liam Jones").wait_for()
    assert axe_violations(page) == [], "pair"
    page.get_by_role("button", name="Record decision").click()
    page.locator(".govuk-error-summary").wait_for()
    assert axe_violations(page) == [], "pair with errors"
    page.get_by_label("Same person").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url("**/review")
    page.locator(".govuk-notification-banner--success").wait_for()
    assert axe_violations(page) == [], "queue after a decision"
    page.get_by_role("link", name="Review Tom Evans and Liam Jones").click()
    page.locator("#recorded-decision").wait_for()
    assert axe_violations(page) == [], "pair already decided"
    page.goto(f"/review/pair?a={TOM_SCHOOL}&b=schools:pupils:NOSUCHPUPIL")
    assert axe_violations(page) == [], "pair not found"


def test_empty_queue_has_no_serious_accessibility_violations(page) -> None:  # type: ignore[no-untyped-def]
    sign_in_by_keyboard(page)
    page.goto("/review")
    page.get_by_role("heading", name="There are no pairs to review").wait_for()
    assert axe_violations(page) == [], "empty queue"
