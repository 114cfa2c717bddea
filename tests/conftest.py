import os

import pytest
from hypothesis import settings

from dangjian.core.testing.world import World, build_world

# `make fuzz` sets HYPOTHESIS_PROFILE=fuzz: every property test (and the schemathesis run,
# tests/api/test_fuzz_schema.py) draws many more examples than the bounded `make test`.
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def world(db) -> World:
    return build_world()
