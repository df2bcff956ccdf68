"""Which jurisdiction profile a page shows (towns, departments, policy) in a deployment that
monitors several counties: a user's own profile; an admin's the case's on a case page, else
the one chosen with `?profile=` (the default when none or an unknown one is given).

With one profile everything is the default profile, as before.
"""

from __future__ import annotations

from alerts.web.context import WebContext
from alerts.web.users import User
from pipeline.models import Case
from pipeline.profile import JurisdictionProfile, load_profile


def known_profiles(web: WebContext) -> list[str]:
    """The monitored profiles (the default first), then the superior, if any."""
    superior = [web.settings.superior] if web.settings.superior else []
    return [*web.settings.profile_names, *superior]


def directory_of(web: WebContext, name: str | None) -> JurisdictionProfile:
    """The profile `name` (None or unknown: the default one)."""
    if name and name != web.directory.name and name in known_profiles(web):
        base = web.settings.source.parent if web.settings.source else None
        return load_profile(name, base)  # cached per process
    return web.directory


def page_profile(web: WebContext, user: User, chosen: str = "") -> str:
    """The profile name a page shows for `user` (admins: `chosen` when it is known)."""
    if user.role == "admin":
        return chosen if chosen in known_profiles(web) else web.settings.profile
    return user.profile or web.settings.profile


def page_directory(web: WebContext, user: User, chosen: str = "") -> JurisdictionProfile:
    return directory_of(web, page_profile(web, user, chosen))


def case_directory(web: WebContext, case: Case) -> JurisdictionProfile:
    """The directory of the case's own profile (its towns, departments, meeting members)."""
    return directory_of(web, case.profile)


def profile_choices(web: WebContext, user: User) -> list[tuple[str, str]]:
    """(name, jurisdiction) for an admin's profile selector; empty where there is no choice."""
    names = known_profiles(web)
    if user.role != "admin" or len(names) < 2:
        return []
    return [(n, directory_of(web, n).jurisdiction) for n in names]


def admin_filter(web: WebContext, user: User, chosen: str) -> str | None:
    """The profile an admin narrowed a list to (None: every profile; others are scoped by
    their account already)."""
    if user.role == "admin" and chosen in known_profiles(web):
        return chosen
    return None
