"""Administration: managers grant, change and withdraw access themselves, safely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from webapp import create_app, users
from webapp.store import audit_events
from webapp.store import users as users_table

PASSWORD = "a-long-password"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Argon2 at its lowest cost: these tests hash and check dozens of passwords."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("admin", "social_worker"):
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    return app


def signed_in(app, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def audited(app, action: str, outcome: str | None = None) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(username, detail, outcome) of every event with this action (and outcome)."""
    with app.extensions["store"].connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.action == action))
        found = [(row.username, row.detail, row.outcome) for row in rows]
    return [item for item in found if outcome in (None, item[2])]


def errors(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return (
        [text.strip() for text in re.findall(r">([^<>]+)</a>", summary.group(1))] if summary else []
    )


def test_admin_creates_a_user_who_can_then_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    form = admin.get("/admin/new-user").get_data(as_text=True)
    assert 'value="school_dsl"' in form and "Select a role" in form
    response = admin.post(
        "/admin/new-user",
        data={
            "username": "j.smith",
            "role": "school_dsl",
            "organisation": "Mill Lane Primary School",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users/j.smith")
    account = users.account(app.extensions["store"], "j.smith")
    assert account and account.role == "school_dsl" and account.active
    assert account.organisation == "Mill Lane Primary School"
    signed_in(app, "j.smith", "correct horse battery")
    with app.extensions["store"].connect() as conn:
        hashes = dict(
            conn.execute(select(users_table.c.username, users_table.c.password_hash)).all()
        )
    assert hashes["j.smith"].startswith("$argon2id$")  # salted, memory-hard
    [(who, detail, outcome)] = audited(app, "admin_create_user")
    assert who == "admin" and '"user": "j.smith"' in detail and outcome == "ok"
    assert "correct horse" not in detail  # never the password
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "j.smith" in listing and "School designated safeguarding lead" in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": ""}, "Enter a username"),
        ({"username": "has space"}, "Username must start with a letter or number"),
        ({"username": "x" * 81}, "Username must be 80 characters or fewer"),
        ({"role": ""}, "Select a role"),
        ({"role": "superuser"}, "Select a role"),
        ({"password": ""}, "Enter a password"),
        ({"password": "eleven-char"}, "Password must be between 12 and 128 characters"),
        ({"password": "x" * 129}, "Password must be between 12 and 128 characters"),
        ({"username": "Long.Username1", "password": "long.username1"}, "must not be the same"),
        ({"role": "school_dsl", "organisation": " "}, "Enter the organisation"),
        ({"username": "SOCIAL_WORKER"}, "There is already a user called SOCIAL_WORKER"),
    ],
)
def test_bad_new_user_input_gets_an_error_summary(app, fields, message) -> None:  # type: ignore[no-untyped-def]
    data = {"username": "new.user", "role": "social_worker", "password": "twelve-chars-ok"}
    response = signed_in(app, "admin").post("/admin/new-user", data={**data, **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(message in error for error in errors(html)), errors(html)
    assert "<title>Error: " in html and "Traceback" not in html
    assert users.account(app.extensions["store"], "new.user") is None
    [(_, detail, outcome)] = audited(app, "admin_create_user")
    assert outcome in ("invalid", "refused") and "twelve-chars-ok" not in detail


def test_disabling_ends_the_users_session_at_their_next_request(app) -> None:  # type: ignore[no-untyped-def]
    worker = signed_in(app, "social_worker")
    assert worker.get("/account").status_code == 200
    admin = signed_in(app, "admin")
    assert admin.post("/admin/users/social_worker/disable").status_code == 302
    response = worker.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = app.test_client().post(
        "/login", data={"username": "social_worker", "password": PASSWORD}
    )
    assert "disabled" in refused.get_data(as_text=True)
    assert admin.post("/admin/users/social_worker/enable").status_code == 302
    signed_in(app, "social_worker")
    assert [e[2] for e in audited(app, "admin_disable_user")] == ["ok"]
    assert [e[2] for e in audited(app, "admin_enable_user")] == ["ok"]


def test_role_change_applies_at_the_users_next_request(app) -> None:  # type: ignore[no-untyped-def]
    worker = signed_in(app, "social_worker")
    assert worker.get("/search").status_code == 200
    admin = signed_in(app, "admin")
    response = admin.post("/admin/users/social_worker/role", data={"role": "analyst"})
    assert response.status_code == 302
    assert worker.get("/search").status_code == 403
    [(_, detail, _)] = audited(app, "admin_change_role")
    assert '"from": "social_worker"' in detail and '"to": "analyst"' in detail
    assert "is now Analyst" in admin.get("/admin/users/social_worker").get_data(as_text=True)


def test_scoped_roles_need_an_organisation(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    refused = admin.post("/admin/users/social_worker/role", data={"role": "school_dsl"})
    assert refused.status_code == 400
    assert "Set their organisation first" in errors(refused.get_data(as_text=True))[0]
    moved = admin.post(
        "/admin/users/social_worker/organisation", data={"organisation": "Mill Lane Primary"}
    )
    assert moved.status_code == 302
    assert (
        admin.post("/admin/users/social_worker/role", data={"role": "school_dsl"}).status_code
        == 302
    )
    cleared = admin.post("/admin/users/social_worker/organisation", data={"organisation": ""})
    assert cleared.status_code == 400
    account = users.account(app.extensions["store"], "social_worker")
    assert account and account.organisation == "Mill Lane Primary"
    [(_, detail, _)] = audited(app, "admin_change_organisation", "ok")
    assert len(audited(app, "admin_change_organisation", "invalid")) == 1
    assert '"to": "Mill Lane Primary"' in detail


def test_password_reset_replaces_the_old_one_and_lifts_a_lockout(app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(users.MAX_FAILED_LOGINS):
        app.test_client().post("/login", data={"username": "social_worker", "password": "wrong"})
    admin = signed_in(app, "admin")
    assert "Locked out" in admin.get("/admin/users/social_worker").get_data(as_text=True)
    same = admin.post("/admin/users/social_worker/password", data={"password": "Social_Worker"})
    assert same.status_code == 400
    reset = admin.post(
        "/admin/users/social_worker/password", data={"password": "a-new-long-secret"}
    )
    assert reset.status_code == 302
    refused = app.test_client().post(
        "/login", data={"username": "social_worker", "password": PASSWORD}
    )
    assert refused.status_code == 400
    signed_in(app, "social_worker", "a-new-long-secret")
    [(_, detail, _)] = audited(app, "admin_reset_password", "ok")
    [(_, invalid, _)] = audited(app, "admin_reset_password", "invalid")
    assert '"invalid": ["password"]' in invalid
    assert "a-new-long-secret" not in detail + invalid and "Social_Worker" not in invalid


def test_unlock_lets_a_locked_out_user_try_again(app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(users.MAX_FAILED_LOGINS):
        app.test_client().post("/login", data={"username": "social_worker", "password": "wrong"})
    account = users.account(app.extensions["store"], "social_worker")
    assert account and account.locked()
    assert signed_in(app, "admin").post("/admin/users/social_worker/unlock").status_code == 302
    signed_in(app, "social_worker")
    assert [e[2] for e in audited(app, "admin_unlock_user")] == ["ok"]


def test_admins_cannot_lock_themselves_out(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    page = admin.get("/admin/users/admin").get_data(as_text=True)
    assert "Disable account" not in page
    refused = admin.post("/admin/users/admin/disable")
    assert refused.status_code == 409
    assert "You cannot disable your own account." in errors(refused.get_data(as_text=True))
    demoted = admin.post("/admin/users/admin/role", data={"role": "social_worker"})
    assert demoted.status_code == 409
    assert "remove your own administrator role" in demoted.get_data(as_text=True)
    account = users.account(app.extensions["store"], "admin")
    assert account and account.active and account.role == "admin"
    assert {e[2] for e in audited(app, "admin_disable_user")} == {"refused"}


def test_the_last_active_admin_cannot_be_removed(app) -> None:  # type: ignore[no-untyped-def]
    engine, admins = app.extensions["store"], {"admin"}
    users.upsert(engine, "deputy", PASSWORD, "admin")
    users.set_active(engine, "deputy", False, admins)  # another admin remains: allowed
    with pytest.raises(users.AccountError, match="last active administrator"):
        users.set_active(engine, "admin", False, admins)
    with pytest.raises(users.AccountError, match="last active administrator"):
        users.set_role(engine, "admin", "social_worker", admins)
    users.set_active(engine, "deputy", True, admins)
    assert users.set_role(engine, "admin", "social_worker", admins) == "admin"


def test_unknown_users_and_bad_requests_are_clean_errors(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    for response in (
        admin.get("/admin/users/nobody"),
        admin.post("/admin/users/nobody/role", data={"role": "analyst"}),
        admin.post("/admin/users/nobody/unlock"),
    ):
        assert response.status_code == 404
        assert "Traceback" not in response.get_data(as_text=True)


def test_only_admins_reach_administration_and_refusals_are_audited(app) -> None:  # type: ignore[no-untyped-def]
    worker = signed_in(app, "social_worker")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.rule.replace("<username>", "admin")
        method = "GET" if "GET" in rule.methods else "POST"
        response = worker.open(url, method=method, data={"role": "social_worker"})
        assert response.status_code == 403, url
    assert users.account(app.extensions["store"], "admin").role == "admin"  # type: ignore[union-attr]
    assert all(outcome == "denied" for _, _, outcome in audited(app, "denied"))
    assert len(audited(app, "denied")) >= 10


def test_admin_forms_need_a_csrf_token(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}", "TESTING": True})
    users.upsert(app.extensions["store"], "admin", PASSWORD, "admin")
    users.upsert(app.extensions["store"], "social_worker", PASSWORD, "social_worker")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    forged = client.post("/admin/users/social_worker/disable")
    assert forged.status_code == 400
    assert users.account(app.extensions["store"], "social_worker").active  # type: ignore[union-attr]
    user_page = client.get("/admin/users/social_worker").get_data(as_text=True)
    assert user_page.count('name="csrf_token"') >= 4  # disable, role, organisation, password
    token = re.search(r'name="csrf_token" value="([^"]+)"', user_page).group(1)  # type: ignore[union-attr]
    genuine = client.post("/admin/users/social_worker/disable", data={"csrf_token": token})
    assert genuine.status_code == 302


def test_every_admin_page_is_a_titled_govuk_page(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    for url in (
        "/admin/",
        "/admin/users",
        "/admin/new-user",
        "/admin/users/social_worker",
        "/admin/audit",
        "/admin/audit/report",
        "/admin/alerts",
    ):
        response = admin.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert re.search(r"<title>[^<]+ - Family network - ", html), url
        assert html.count("<h1") == 1, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert "govuk-breadcrumbs" in html or url == "/admin/", url


def test_user_supplied_text_is_escaped(app) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")
    script = "<script>alert(1)</script>"
    admin.post("/admin/users/social_worker/organisation", data={"organisation": script})
    for url in ("/admin/users", "/admin/users/social_worker", "/admin/audit"):
        html = admin.get(url).get_data(as_text=True)
        assert script not in html and "&lt;script&gt;" in html, url


def test_unexpected_errors_show_a_generic_page(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(app, "admin")

    def broken(*_: object) -> None:
        raise RuntimeError("database on fire: /srv/secret/path")

    monkeypatch.setattr(users, "accounts", broken)
    response = admin.get("/admin/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "database on fire" not in html and "Traceback" not in html


def test_no_directory_listings_or_repository_files(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for url in ("/static/", "/static/vendor/", "/.git/config", "/static/../README.md", "/.env"):
        assert client.get(url).status_code == 404, url
