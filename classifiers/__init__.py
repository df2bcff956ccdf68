"""The classify stage: normalise, mask personal data, tokenise, and score items.

`classifiers.baseline.RulesClassifier` is the rules baseline (lexicons and profile data);
trained models come later and must beat it on `classifiers/data/baseline_sample.jsonl`.
"""
