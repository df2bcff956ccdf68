"""Shared fixtures. The test servers (Kafka and Elasticsearch stand-ins) live in tests/servers.py."""

pytest_plugins = ["tests.servers"]
