"""Config: one YAML file plus environment overrides; errors name file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DEFAULT_CONFIG, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "yuqing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_loads():
    settings = load_settings(DEFAULT_CONFIG, env={})
    assert settings.bus == "sqlite" and settings.store == "sqlite"
    assert {"crawl", "classify", "alert"} <= set(settings.stages)


def test_environment_overrides_file(tmp_path):
    path = write(tmp_path, "bus: sqlite\nstore: sqlite\n")
    env = {
        "YUQING_BUS": "kafka://127.0.0.1:9092",
        "YUQING_STORE": "http://127.0.0.1:9200",
        "YUQING_DATA": str(tmp_path / "d"),
    }
    settings = load_settings(path, env=env)
    assert settings.bus == "kafka://127.0.0.1:9092"
    assert settings.store == "http://127.0.0.1:9200"
    assert settings.data_dir == (tmp_path / "d").resolve()


def test_explicit_data_dir_wins(tmp_path):
    settings = load_settings(write(tmp_path, "data_dir: elsewhere\n"), tmp_path / "x", env={})
    assert settings.data_dir == (tmp_path / "x").resolve()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("bsu: sqlite\n", "bsu: unknown key"),
        ("bus: rabbitmq://x\n", "bus: Value error, expected 'sqlite' or 'kafka://"),
        ("store: mysql\n", "store: Value error, expected 'sqlite' or 'http(s)://"),
        ("stages:\n  classify: {batch_size: 10}\n", "stages.classify.class: required key"),
        ("stages:\n  classify: {class: x, batch_size: 0}\n", "stages.classify.batch_size"),
        ("- a list\n", "expected a mapping"),
        ("bus: [unclosed\n", "not valid YAML"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.yaml", env={})


def test_unknown_stage_is_named(tmp_path):
    settings = load_settings(write(tmp_path, "stages: {}\n"), env={})
    with pytest.raises(ConfigError, match="stages.web: no such stage"):
        settings.stage("web")


def test_the_kafka_session_timeout_reaches_the_bus(tmp_path):
    """open_bus passes the setting the same way (pipeline/bus/__init__.py)."""
    from pipeline.bus import bus_from_url
    from pipeline.config import load_settings

    config = tmp_path / "yuqing.yaml"
    config.write_text("bus: kafka://127.0.0.1:1\nkafka_session_timeout_ms: 45000\n", "utf-8")
    settings = load_settings(config, data_dir=tmp_path)
    assert settings.kafka_session_timeout_ms == 45000
    bus = bus_from_url(settings.bus, settings.data_dir, settings.kafka_session_timeout_ms)
    try:
        assert bus.session_timeout_ms == 45000  # type: ignore[attr-defined]
    finally:
        bus.close()


def test_a_session_timeout_out_of_range_is_refused(tmp_path):
    from pipeline.config import ConfigError, load_settings

    config = tmp_path / "yuqing.yaml"
    config.write_text("kafka_session_timeout_ms: 10\n", "utf-8")
    with pytest.raises(ConfigError, match="kafka_session_timeout_ms"):
        load_settings(config, data_dir=tmp_path)
