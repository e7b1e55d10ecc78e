"""Web app configuration from environment variables, with local defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from graph_etl.settings import GraphSettings


def _secret_key(state_dir: Path) -> str:
    """FAMILY_NETWORK_SECRET_KEY, else one generated once and kept in the state folder."""
    configured = os.environ.get("FAMILY_NETWORK_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = state_dir / "secret_key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_env() -> dict[str, Any]:
    graph_settings = GraphSettings.from_env()
    state_dir = graph_settings.state_dir
    minutes = int(os.environ.get("FAMILY_NETWORK_SESSION_MINUTES", "30"))
    return {
        "SECRET_KEY": _secret_key(state_dir),
        "GRAPH_SETTINGS": graph_settings,
        "DATABASE_URL": os.environ.get("FAMILY_NETWORK_DATABASE_URL", "").strip()
        or f"sqlite:///{state_dir / 'webapp.sqlite'}",
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=minutes),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FAMILY_NETWORK_SECURE_COOKIES", "") == "1",
        "SESSION_COOKIE_NAME": "family_network_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": minutes * 60,
        "LOGIN_ATTEMPTS_PER_MINUTE": int(os.environ.get("FAMILY_NETWORK_LOGIN_RATE", "10")),
        "COUNCIL_NAME": os.environ.get("FAMILY_NETWORK_COUNCIL_NAME", "Exampleshire Council"),
        "ALERT_WEBHOOK": os.environ.get("FAMILY_NETWORK_ALERT_WEBHOOK", "").strip(),
    }
