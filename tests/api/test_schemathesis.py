"""The API fuzzed from its own OpenAPI document (Schemathesis, against the WSGI application): every
operation, generated valid and invalid parameters, every check of Schemathesis on — no 5xx, every status
and body as documented, a 405 with its Allow header, invalid input refused."""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, is_check_class

from app import create_app
from tests.factories import make_incubator, make_organisation, make_startup

# Every check Schemathesis has (the response-time check aside: timing is not behaviour).
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)
              and check.__name__ != "max_response_time"]


def _schema():
    """The document as an application built for collection only serves it (it needs no database); the cases
    are then sent to the test's application (pytest 9 no longer lets Schemathesis load it from a fixture)."""
    collection = create_app({"JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "collection",
                             "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", collection)


schema = _schema()


@pytest.fixture
def fuzz_data(session):
    organisation = make_organisation(id="ministere-fuzz", name="Ministère du Fuzz")
    incubator = make_incubator(id="incubateur-fuzz", name="Incubateur du Fuzz", owner_id=organisation.id)
    make_startup(id="startup-fuzz", name="Startup du Fuzz", incubator_id=incubator.id, sponsors=[organisation],
                 phases=[("investigation", dt.date(2025, 1, 6)), ("construction", dt.date(2025, 6, 2))],
                 events=[("committee", dt.date(2025, 6, 2))])


@schema.parametrize()
@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_holds_to_its_document(app, fuzz_data, case):
    case.call_and_validate(app=app, checks=ALL_CHECKS)
