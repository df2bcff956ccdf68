"""The kernel: contracts, topics, config, buses, stores, runner, registry and CLI.

It imports only the standard library, pydantic, PyYAML, click and its own modules; backend
clients are imported inside their backend module. It knows no stage: stages, spiders,
classifiers and channels are found by name from config (see registry.py).
"""
