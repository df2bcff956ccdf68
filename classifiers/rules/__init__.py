"""The rules baseline, one rule per module: places/relevance, categories, sentiment,
severity, risk/importance, departments. Each is built once from data and is pure per item."""
