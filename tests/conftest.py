"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI gets a few more examples than a developer's quick run, both bounded so
# the suite stays fast on a 2-core machine.
settings.register_profile("ci", max_examples=150, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
