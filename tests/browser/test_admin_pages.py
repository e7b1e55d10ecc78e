"""The administration pages in a real browser: accessible, keyboard usable, no graph.

Uses the session's browser from tests/browser/conftest.py (one Playwright per run); its
own `page` fixture serves the app without a graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.browser.conftest import axe_violations, serving
from webapp import create_app, users

PASSWORD = "admin-pages-password"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_admin(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    database = Path(tmp_path_factory.mktemp("admin-pages")) / "web.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}"})
    engine = app.extensions["store"]
    for name, role in (("admin", "admin"), ("worker", "social_worker"), ("locked", "analyst")):
        users.upsert(engine, name, PASSWORD, role)
    try:
        with serving(app) as url:
            yield url
    finally:
        users._hasher = PasswordHasher()


@pytest.fixture()
def page(browser, live_admin: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_admin)
    yield context.new_page()
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_admin_pages_have_no_serious_accessibility_violations(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "worker")
    page.goto("/admin/users")  # refused: raises an alert
    page.get_by_role("button", name="Sign out").click()
    for _ in range(users.MAX_FAILED_LOGINS):
        sign_in(page, "locked", "wrong password")
    sign_in(page, "admin")
    for url in (
        "/admin/",
        "/admin/users",
        "/admin/users/locked",
        "/admin/new-user",
        "/admin/audit",
        "/admin/audit?user=worker",
        "/admin/audit?from_day=31&from_month=2&from_year=2026",
        "/admin/audit/report",
        "/admin/audit/report?year=1",
        "/admin/alerts",
    ):
        page.goto(url)
        assert axe_violations(page) == [], url
    page.goto("/admin/new-user")
    page.get_by_role("button", name="Add user").click()
    page.locator(".govuk-error-summary").wait_for()
    assert axe_violations(page) == [], "new user errors"


def test_an_admin_adds_and_disables_a_user_in_the_browser(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "admin")
    page.goto("/admin/new-user")
    page.get_by_label("Username").fill("browser.user")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_label("Organisation").fill("Exampleshire Council")
    page.get_by_label("Initial password").fill("a browser password")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="browser.user").wait_for()
    assert "browser.user created as Analyst" in page.locator("body").inner_text()
    page.get_by_role("button", name="Disable account").focus()
    page.keyboard.press("Enter")
    page.get_by_text("browser.user is disabled").wait_for()
