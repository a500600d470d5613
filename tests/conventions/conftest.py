from core import clock
import pytest

from tests.conventions.builders import TODAY


@pytest.fixture
def fixed_today(monkeypatch):
    """The pages and the policy read today from core.dates: the seed's year, whatever the wall clock says."""
    monkeypatch.setattr("core.clock.today", lambda: TODAY)
    return TODAY
