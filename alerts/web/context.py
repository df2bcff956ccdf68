"""What every request handler is given: settings, stores, the case desk, accounts, sessions,
the jurisdiction profile, the templates and the clock — built once per server process."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request

from alerts.casework import CaseDesk
from alerts.clocks import next_due
from alerts.web.health import Health
from alerts.web.sessions import SessionManager
from alerts.web.store_link import StoreLink, deferred_stores
from alerts.web.users import UserDirectory
from alerts.web.views import clock_urgency, label_filters, remaining_text
from pipeline.config import Settings
from pipeline.models import now_utc
from pipeline.profile import JurisdictionProfile, load_profile
from pipeline.storage.base import StoreError, Stores

TEMPLATES_DIR = Path(__file__).parent / "templates"


def template_environment() -> Environment:
    """Autoescape for every template (html and svg alike); crawled text stays text."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(label_filters())
    env.globals.update(next_due=next_due, urgency_of=clock_urgency, remaining=remaining_text)
    return env


@dataclass
class WebContext:
    settings: Settings
    stores: Stores
    desk: CaseDesk
    users: UserDirectory
    sessions: SessionManager
    directory: JurisdictionProfile
    templates: Environment
    clock: Callable[[], datetime]
    health: Health

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], datetime] = now_utc) -> WebContext:
        """Never fails for a store that is away: pages answer 503 until it is back."""
        link = StoreLink(settings)
        with contextlib.suppress(StoreError):  # logged; retried on use
            link.get()
        stores = deferred_stores(link)
        base = settings.source.parent if settings.source else None
        return cls(
            settings=settings,
            stores=stores,
            desk=CaseDesk(stores, settings, clock),
            users=UserDirectory(stores.state),
            sessions=SessionManager(stores.state),
            directory=load_profile(settings.profile, base),
            templates=template_environment(),
            clock=clock,
            health=Health(settings, stores),
        )

    def close(self) -> None:
        self.health.close()
        self.stores.close()

    def render(self, name: str, **values: Any) -> str:
        return self.templates.get_template(name).render(
            jurisdiction=self.directory.jurisdiction, **values
        )


def web_context(request: Request) -> WebContext:
    return request.app.state.web
