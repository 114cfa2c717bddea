import os

import pytest
from hypothesis import settings

from dangjian.core.testing.world import World, build_world

# `make fuzz` sets HYPOTHESIS_PROFILE=fuzz: every property test (and the schemathesis run,
# tests/api/test_fuzz_schema.py) draws many more examples than the bounded `make test`.
# The bounded run draws the same examples every time (derandomize), so a CI result can be
# reproduced and does not depend on luck; exploring new examples is the fuzz run's job.
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.register_profile("bounded", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))


@pytest.fixture
def world(db) -> World:
    return build_world()
