"""Responses the crawler finds: a message board's published answer (`extra.official_reply`)
or a government site's statement the classifier marked (`extra.official_response`).

They are recorded already approved (the government published them), entered by the actor
`crawler`, with the answering department the page names — looked up in the jurisdiction
profile — else the case's lead department. Their id comes from the item, so finding the
same answer again (a replay, a re-crawl, two cases of one event merged) names the same
response.
"""

from __future__ import annotations

import hashlib

from alerts.localtime import iso_local
from pipeline.models import Case, Response, Review, ScoredItem, parse_time
from pipeline.profile import JurisdictionProfile

CRAWLER = "crawler"


def response_id(*parts: str) -> str:
    """A stable response id from what identifies the response (the same parts → the same id)."""
    return "rsp-" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]


def official_reply(
    item: ScoredItem, case: Case | None = None, directory: JurisdictionProfile | None = None
) -> Response | None:
    """The response `item` carries, or None when it carries none."""
    reply = item.extra.get("official_reply")
    if isinstance(reply, dict) and reply.get("text"):
        text, published = str(reply["text"]), reply.get("published_at") or item.published_at
        named = str(reply.get("department") or "")
    elif item.source_type == "gov_site" and item.extra.get("official_response"):
        text, published = item.text, item.published_at
        named = str(item.extra.get("department") or "")
    else:
        return None
    try:
        published = iso_local(parse_time(published))
    except ValueError:
        published = iso_local(item.published_at)
    record = {
        "level": "final",
        "actor": CRAWLER,
        "at": published,
        "decision": "pass",
        "item": item.id,
        "department": named or item.source_name,
        "source": item.source_name,
    }
    return Response(
        id=response_id("item", item.id),
        kind="official_reply",
        text=text,
        url=item.url,
        published_at=published,
        department=answering(named, item.source_name, case, directory),
        actor=CRAWLER,
        review=Review(state="approved", steps=[record]),
    )


def answering(
    named: str, source: str, case: Case | None, directory: JurisdictionProfile | None
) -> Response.Department | None:
    """Who answered: the department the page names (its profile code when the profile knows
    it), else a source that is itself a department of the profile, else the case's lead."""
    found = _known(directory, named) or _known(directory, source)
    if found is not None:
        return found
    if named.strip():
        return Response.Department(code="", name=named.strip())
    lead = case.lead_department if case is not None else None
    return Response.Department(code=lead.code, name=lead.name) if lead else None


def _known(directory: JurisdictionProfile | None, name: str) -> Response.Department | None:
    if directory is None or not name.strip():
        return None
    try:
        found = directory.department(name.strip())
    except KeyError:
        return None
    return Response.Department(code=found.code, name=found.name)
