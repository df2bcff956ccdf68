"""The stores: pick the backend from settings (`sqlite`, or an Elasticsearch URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.storage.base import (
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    ItemQuery,
    ItemStore,
    StateStore,
    StoreError,
    Stores,
)

if TYPE_CHECKING:
    from pipeline.config import Settings

__all__ = [
    "CaseQuery",
    "CaseStore",
    "ConflictError",
    "FindingStore",
    "ItemQuery",
    "ItemStore",
    "StateStore",
    "StoreError",
    "Stores",
    "open_stores",
]


def tokenizer_for(settings: Settings):
    """The full-text tokenizer named in config (e.g. jieba from the classifiers package);
    without one, the store indexes CJK character bigrams, which needs no dictionary."""
    if not settings.tokenizer:
        return None
    from pipeline.registry import load_object

    name, where = settings.tokenizer, f"{settings.source}: tokenizer"
    loaded = []

    def tokenize(text: str) -> list[str]:
        # Loaded on first use: listing cases must not pay for loading a dictionary.
        if not loaded:
            loaded.append(load_object(name, where))
        return loaded[0](text)

    return tokenize


def open_stores(settings: Settings) -> Stores:
    tokenizer = tokenizer_for(settings)
    if settings.store == "sqlite":
        from pipeline.storage.sqlite import open_sqlite_stores

        return open_sqlite_stores(settings.store_path, tokenizer)
    from pipeline.storage.elasticsearch import open_elasticsearch_stores

    return open_elasticsearch_stores(
        settings.store, tokenizer, prefix=settings.es_prefix, replicas=settings.es_replicas
    )
