import pytest

from tests.factories import d

TODAY = d("2026-11-27")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The pages compute phases for TODAY, whatever the wall clock says."""
    monkeypatch.setattr("portfolio.views.current_date", lambda: TODAY)
    return TODAY
