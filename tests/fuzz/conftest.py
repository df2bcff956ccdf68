"""Hypothesis profiles of the fuzz tests: `ci` (the default) is derandomized, so every run
tries the same examples and a failure reproduces; `dev` explores (HYPOTHESIS_PROFILE=dev).
Example counts are set per test, sized so the whole folder stays under a minute on 2 cores."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
