"""Apply the routing guide (docs/routing.md) to the training files' department labels.

Each change names the item, the lead the guide gives it and the guide's row. When the lead
changes, the old lead becomes a co-department (it still shares the answer); the new lead
leaves the co list. Mechanical for every item: a rumour always has `public_security` as co
(seed 001: handover to the police). Idempotent; the test split is never read or written.
Run: python -m classifiers.data.relabel_routing [--check]
"""

from __future__ import annotations

import json
import sys

from classifiers.data.relabeling import run_relabel

# item id → (lead, row of docs/routing.md)
CHANGES: dict[str, tuple[str, str]] = {
    # food safety anywhere, school canteens included → market_regulation
    "tr-a-0103": ("market_regulation", "food poisoning / expired food in a school canteen"),
    "tr-a-0430": ("market_regulation", "expired milk in a kindergarten"),
    # rumours: the department of the rumour's field; the police for crime rumours and their
    # own notices (谁处置谁发声)
    "tr-a-0008": ("water", "dam rumour refuted by the 水务局"),
    "tr-a-0523": ("water", "rumour of poisoned drinking water (rural well)"),
    "tr-a-0524": ("water", "rumour of poisoned drinking water (rural well)"),
    "tr-a-0060": ("natural_resources", "rumour of a demolition"),
    "tr-a-0254": ("natural_resources", "rumour of a landslide"),
    "tr-a-0217": ("education", "rumour of a pupil's suicide at a school"),
    "tr-b-0056": ("public_security", "the police's own notice on a rumour-monger"),
    "tr-b-0177": ("public_security", "the police's own notice on a rumour-monger"),
    "tr-b-0210": ("public_security", "the police's own notice on a rumour-monger"),
    "tr-a-0083": ("government_office", "rumour about the county's status (撤县)"),
    "tr-a-0395": ("government_office", "rumour about the county's status (划给海口)"),
    # drowning: pupils → education; a scenic area → tourism_culture
    "tr-a-0398": ("education", "pupils drowned in a village pond"),
    "tr-a-0117": ("tourism_culture", "drowning in the 南丽湖 scenic area"),
    "tr-a-0118": ("tourism_culture", "drowning in the 南丽湖 scenic area"),
    # fires, hill fires included → fire_rescue
    "tr-a-0295": ("fire_rescue", "hill fire (rumour)"),
    "tr-a-0402": ("fire_rescue", "hill fire"),
    # collapse of a dilapidated house → housing
    "tr-a-0307": ("housing", "collapse of a dilapidated house"),
    # road traffic, overloaded school vans → public_security (交警)
    "tr-a-0387": ("public_security", "overloaded kindergarten van"),
    "tr-c-0178": ("public_security", "school bus accident (news report)"),
    # child abuse in a family → civil_affairs (the police's own 通报 stays public_security)
    "tr-c-0019": ("civil_affairs", "child abuse in a family"),
    "tr-c-0021": ("civil_affairs", "child abuse in a family"),
    # power cuts outside a disaster → the town government (供电 is a company)
    "tr-b-0107": ("town_longhu", "power cut outside a disaster"),
    "tr-b-0109": ("town_longhu", "power cut outside a disaster"),
    "tr-b-0499": ("town_fuwen", "power cut outside a disaster"),
    "tr-b-0500": ("town_fuwen", "power cut outside a disaster"),
    "tr-b-0568": ("town_fuwen", "power cut outside a disaster"),
    # a group petition to the 信访局 (集体上访) → petition, whatever its subject
    "tr-a-0448": ("petition", "group petition about land compensation"),
    # the official account's own mistake → propaganda
    "tr-a-0326": ("propaganda", "mistake of the official account"),
    # a matter a county department's duties name, the town asked or acting first, leads to
    # that department ("Town government or county department")
    "tr-c-0385": ("emergency", "evacuation in a flood (TV news, not the town's notice)"),
    "tr-c-0382": ("civil_affairs", "old people's canteen closed: 养老服务"),
    "tr-b-0543": ("transport", "cracked village bridge: 农村公路"),
    "tr-b-0319": ("transport", "broken railing of a village bridge: 农村公路"),
    "tr-b-0552": ("transport", "village road left half built: 农村公路"),
    "tr-b-0539": ("water", "water-supply pipes not connected: 城乡供水"),
    "tr-b-0555": ("natural_resources", "illegal sand digging: 矿产资源"),
    "tr-b-0537": ("law_enforcement", "sheds built on a vacant lot: 违法建筑查处"),
    "tr-b-0548": ("law_enforcement", "stalls filling a market street: 占道经营"),
    "tr-c-0474": ("natural_resources", "farm-housing rumour refuted at a town meeting"),
    "tr-c-0226": ("natural_resources", "relocation rumour refuted by the town (a post on it)"),
}

# item id → categories to add: a rumour of an emergency is `rumor` and `emergency` (corpus
# README: "a rumour of a dam burst is rumor and emergency"), as the other epidemic and
# dam rumours of the training files are
ADD_CATEGORIES: dict[str, list[str]] = {
    "tr-a-0008": ["emergency"],  # dam burst rumour
    "tr-b-0338": ["emergency"],  # "variant virus, village locked down" rumour
    "tr-b-0339": ["emergency"],
    "tr-b-0340": ["emergency"],
}


def relabel(row: dict) -> bool:
    """Apply the guide to one corpus row in place; True when it changed."""
    labels = row["labels"]
    before = json.dumps(labels, ensure_ascii=False, sort_keys=True)
    co: list[str] = list(labels.get("co_departments") or [])
    for code in ADD_CATEGORIES.get(row["id"], []):
        if labels["relevant"] and code not in labels["categories"]:
            labels["categories"].append(code)
    change = CHANGES.get(row["id"])
    if change and labels["relevant"]:
        lead, _why = change
        old = labels.get("lead_department")
        if old and old != lead and old not in co:
            co.insert(0, old)
        labels["lead_department"] = lead
    rumour = "rumor" in labels.get("categories", []) and labels.get("lead_department")
    if rumour and "public_security" not in co:
        co.append("public_security")
    lead = labels.get("lead_department")
    labels["co_departments"] = [c for c in dict.fromkeys(co) if c != lead]
    return json.dumps(labels, ensure_ascii=False, sort_keys=True) != before


def main(argv: list[str]) -> int:
    return run_relabel(
        "python -m classifiers.data.relabel_routing",
        relabel,
        set(CHANGES) | set(ADD_CATEGORIES),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
