import pytest

from tests.conventions.builders import TODAY


@pytest.fixture
def fixed_today(clock_on):
    """The pages and the policy ask the one clock for today: moved to the seed's year, whatever the wall clock says."""
    return clock_on(TODAY)
