"""A practitioner's journey in Chromium: search, person, walk to a sibling, who's
involved, address trace; the same by keyboard alone; and axe-core on every page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, axe_violations


def sign_in(page, role: str = "social_worker", lands_on: str = "search") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/{lands_on}")


def test_practitioner_finds_a_family_members_involvement(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.get_by_label("Name").fill("Liam Jones")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Liam Jones", exact=True).click()
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    mia = page.locator(".govuk-summary-card", has_text="Mia Jones")
    assert "Sibling" in mia.inner_text()
    assert "Omar Hussain" in mia.inner_text()
    email = mia.get_by_role("link", name="dsl@milllane-primary.example")
    assert email.get_attribute("href") == "mailto:dsl@milllane-primary.example"
    # The family network picture draws the same people.
    page.locator("#network canvas").first.wait_for(state="attached")
    # Walk to the sister's own page, and on to her address trace.
    mia.get_by_role("link", name="Mia Jones", exact=True).click()
    page.get_by_role("heading", level=1, name="Mia Jones").wait_for()
    assert "Early help" in page.locator("#main-content").inner_text()
    page.get_by_role("link", name="Trace every known address").click()
    page.get_by_role("heading", level=1, name=re.compile("Mia Jones")).wait_for()
    trace = page.locator("#main-content").inner_text()
    assert "14 Mill Lane" in trace and "Sarah Jones" in trace


def tab_to(page, text: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element's text contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and text in focused:
            return
    raise AssertionError(f"could not reach {text!r} with the Tab key")


def tab_to_field(page, field_id: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the form field with this id has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == field_id:
            return
    raise AssertionError(f"could not reach #{field_id} with the Tab key")


def test_the_same_journey_by_keyboard_alone(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    tab_to_field(page, "username")  # past the skip link and the header
    page.keyboard.type("social_worker")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search")
    tab_to_field(page, "name")
    page.keyboard.type("Liam Jones")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?name=*")
    tab_to(page, "Liam Jones")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    tab_to(page, "Mia Jones")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Mia Jones").wait_for()
    assert "Mill Lane Primary School" in page.locator("#main-content").inner_text()
    tab_to(page, "Trace every known address")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=re.compile("Mia Jones")).wait_for()
    assert "14 Mill Lane" in page.locator("#main-content").inner_text()


@pytest.mark.parametrize("role", ["social_worker", "duty_team"])
def test_every_page_has_no_serious_accessibility_violations(page, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    assert axe_violations(page) == [], "login"
    page.get_by_role("button", name="Sign in").click()  # the error state
    assert axe_violations(page) == [], "login errors"
    sign_in(page, role)
    pages = ["/search", "/search?name=jones", "/search?name=", "/account", "/no/such/page"]
    for url in pages:
        page.goto(url)
        assert axe_violations(page) == [], url
    page.goto("/search?name=liam+jones")
    page.get_by_role("link", name="Liam Jones", exact=True).click()
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    page.locator("#network canvas").first.wait_for(state="attached")
    assert axe_violations(page) == [], "person"
    if role == "social_worker":  # the team around the family (export)
        page.get_by_role("link", name=re.compile("Team around the family")).click()
        page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
        assert "Priya Shah" in page.locator("#main-content").inner_text()
        assert axe_violations(page) == [], "team"
        page.go_back()
    page.get_by_role("link", name="Trace every known address").click()
    page.get_by_role("heading", level=1).wait_for()
    assert axe_violations(page) == [], "trace"
    if role == "duty_team":
        page.goto("/break-glass")
        assert axe_violations(page) == [], "break-glass"
    else:
        page.goto("/break-glass")  # refused: the 403 page
        assert axe_violations(page) == [], "forbidden"


def test_sign_in_errors_are_shown_in_an_error_summary(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your username" in summary.inner_text()
    assert page.title().startswith("Error:")


def test_an_analyst_lands_on_accessible_network_figures(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "analyst", lands_on="analyst")
    page.get_by_role("heading", level=1, name="Family network figures").wait_for()
    assert "Family networks by size" in page.locator("#main-content").inner_text()
    assert axe_violations(page) == [], "analyst"
