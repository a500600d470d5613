"""What a startup's page computes from the loaded startup: links, phase status, timeline."""

import pytest

from core.db import db
from portfolio.display import external_url, links, phase_status, timeline
from startups.phases import Phase
from tests.factories import d, make_startup
from tests.portfolio.conftest import TODAY


@pytest.mark.parametrize("value, url", [
    (None, None),
    ("", None),
    ("   ", None),
    ("https://beta.gouv.fr", "https://beta.gouv.fr"),
    ("http://exemple.fr/a b", "http://exemple.fr/ab"),
    ("beta.gouv.fr/startups", "https://beta.gouv.fr/startups"),
    (" www.exemple.gouv.fr ", "https://www.exemple.gouv.fr"),
    ("//cdn.exemple.fr", "https://cdn.exemple.fr"),
    ("HTTPS://Exemple.fr", "HTTPS://Exemple.fr"),
    ("ftp://exemple.fr", "https://exemple.fr"),
    ("javascript:alert(1)", "https://javascript:alert(1)"),  # never a javascript: link
])
def test_external_urls_are_absolute_http_links(value, url):
    assert external_url(value) == url


def test_links_keep_a_fixed_order_and_skip_missing_ones():
    startup = make_startup(dashlord_url="dashlord.incubateur.net/x", link="exemple.fr", budget_url="")
    assert links(startup) == [("Site", "https://exemple.fr"), ("DashLord", "https://dashlord.incubateur.net/x")]


def test_phase_status_flags_phases_longer_than_their_typical_length():
    late = make_startup(phases=[("investigation", d("2026-07-26"))])  # 4 months
    on_time = make_startup(phases=[("investigation", d("2026-08-27"))])  # 3 months: not beyond
    none = make_startup(phases=[("construction", d("2027-01-01"))])
    assert phase_status(late, TODAY).overdue is True
    assert phase_status(late, TODAY).months == 4
    assert phase_status(on_time, TODAY).overdue is False
    assert phase_status(none, TODAY).phase is None
    assert phase_status(none, TODAY).overdue is False


def test_the_timeline_puts_undated_periods_first_and_periods_before_events_on_the_same_day():
    startup = make_startup(
        phases=[("investigation", None), ("construction", d("2025-01-01")), ("acceleration", d("2027-01-01"))],
        events=[("committee", d("2025-01-01")), ("product_launch", d("2024-06-01"))],
    )
    db.session.expire(startup)
    entries = timeline(startup, TODAY)
    kinds = [(e.period.phase if e.period else e.event.kind.value, e.planned, e.current) for e in entries]
    assert kinds == [
        (Phase.INVESTIGATION, False, False),
        ("product_launch", False, False),
        (Phase.CONSTRUCTION, False, True),
        ("committee", False, False),
        (Phase.ACCELERATION, True, False),
    ]
