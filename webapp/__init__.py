"""The family network explorer web app (Flask application factory)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from webapp import config, errors, security, store, templating, users
from webapp.ratelimit import RateLimiter


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(config.from_env())
    app.config.update(overrides or {})
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("webapp"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.globals["council_name"] = app.config["COUNCIL_NAME"]

    app.extensions["store"] = store.make_engine(app.config["DATABASE_URL"])
    app.extensions["login_limiter"] = RateLimiter(app.config["LOGIN_ATTEMPTS_PER_MINUTE"])
    CSRFProtect(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> users.User | None:
        return users.get(app.extensions["store"], int(user_id)) if user_id.isdigit() else None

    from webapp import admin, analyst, api, auth, breakglass, people, review

    app.register_blueprint(auth.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(breakglass.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(analyst.bp)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    return app
