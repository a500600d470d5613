import pytest

from tests.factories import d

TODAY = d("2026-11-27")


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    """The pages compute phases for TODAY, whatever the wall clock says."""
    return clock_on(TODAY)
