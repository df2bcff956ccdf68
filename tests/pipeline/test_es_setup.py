"""`yuqing es setup`: templates on the test server; the ILM policy file checked as data
(the test server has no ILM API)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.models import Case, Finding, ScoredItem
from pipeline.storage.es_mappings import (
    CASE_MAPPING,
    DERIVED_CASE_FIELDS,
    DERIVED_ITEM_FIELDS,
    FINDING_MAPPING,
    ITEM_MAPPING,
    ilm_policy,
    templates,
)
from tests.servers import unique


def test_ilm_policy_is_well_formed():
    policy = ilm_policy()
    assert set(policy["phases"]) <= {"hot", "warm", "cold", "frozen", "delete"}
    assert policy["phases"]["delete"]["actions"] == {"delete": {}}
    assert policy["phases"]["warm"]["min_age"].endswith("d")


@pytest.mark.parametrize(
    "mapping,model,derived",
    [
        (ITEM_MAPPING, ScoredItem, DERIVED_ITEM_FIELDS),
        (CASE_MAPPING, Case, DERIVED_CASE_FIELDS),
        (FINDING_MAPPING, Finding, ()),
    ],
)
def test_every_mapped_field_is_a_record_field(mapping, model, derived):
    for field in mapping["properties"]:
        assert field in model.model_fields or field in derived, field


@pytest.mark.es
def test_setup_installs_templates(es_url, tmp_path):
    prefix = unique("setup").lower()
    config = tmp_path / "yuqing.yaml"
    config.write_text(f"es_prefix: {prefix}\nstore: {es_url}\nes_replicas: 2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["es", "setup", "--config", str(config), "--no-ilm"])
    assert result.exit_code == 0, result.output
    for name in templates(prefix):
        with urllib.request.urlopen(f"{es_url}/_index_template/{name}") as response:
            body = json.load(response)
        (stored,) = body["index_templates"]
        assert stored["name"] == name
        settings = stored["index_template"]["template"]["settings"]
        replicas = settings.get(
            "number_of_replicas", settings.get("index", {}).get("number_of_replicas")
        )
        assert str(replicas) == "2", settings  # the configured copies, not the server's default


def test_replicas_default_to_none_beyond_the_primary():
    for body in templates("x").values():
        assert body["template"]["settings"]["number_of_replicas"] == 0


def test_setup_without_elasticsearch_is_a_clear_error(tmp_path):
    config = tmp_path / "yuqing.yaml"
    config.write_text("store: sqlite\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["es", "setup", "--config", str(config)])
    assert result.exit_code == 2
    assert "no Elasticsearch URL" in result.output
