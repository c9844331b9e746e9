"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from sandbox.fleet import Fleet
from tests.e2e.caches import Caches


@pytest.fixture(params=["node-based", "serverless"])
def caches(request: pytest.FixtureRequest, fleet: Fleet) -> Caches:
    """Either kind of ElastiCache cache: a test using it runs once for each."""
    return Caches(fleet, serverless=request.param == "serverless")
