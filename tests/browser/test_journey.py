"""Sign in, search, open a person, see a family member's involvement: in Chromium."""

from __future__ import annotations

from tests.browser.conftest import PASSWORD, axe_violations


def sign_in(page, role: str = "social_worker") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/search")


def test_practitioner_finds_a_family_members_involvement(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.get_by_label("Name").fill("Liam Jones")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Liam Jones").click()
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    mia = page.locator(".govuk-summary-card", has_text="Mia Jones")
    assert "Sibling" in mia.inner_text()
    assert "Omar Hussain" in mia.inner_text()
    assert (
        mia.get_by_role("link", name="dsl@milllane-primary.example").get_attribute("href")
        == "mailto:dsl@milllane-primary.example"
    )
    # Walk to the sister's own page.
    mia.get_by_role("link", name="Mia Jones").click()
    page.get_by_role("heading", level=1, name="Mia Jones").wait_for()
    assert "Early help" in page.locator("#main-content").inner_text()


def test_pages_have_no_serious_accessibility_violations(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    assert axe_violations(page) == []
    sign_in(page)
    assert axe_violations(page) == []
    page.goto("/search?name=jones")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Liam Jones").click()
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    assert axe_violations(page) == []


def test_sign_in_errors_are_shown_in_an_error_summary(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your username" in summary.inner_text()
    assert page.title().startswith("Error:")
