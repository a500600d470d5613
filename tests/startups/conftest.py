"""Fixtures of the editing tests: a fixed today, a world with every role, and the helpers that read
and fill the editing forms."""


import pytest

from core.db import db
from tests.factories import (
    d,
    make_incubator,
    make_incubator_staff,
    make_membership,
    make_organisation,
    make_person,
    make_startup,
)

TODAY = d("2026-11-27")


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    clock_on(TODAY)


@pytest.fixture
def world():
    """An incubator with its staff, a startup with its team, an admin and an outsider."""
    ministry = make_organisation("ministere-test", name="Ministère des Essais", acronym="MDE")
    other_org = make_organisation("autre-org", name="Autre administration")
    incubator = make_incubator("incub-test", name="Incubateur des essais", owner_id=ministry.id)
    other_incubator = make_incubator("incub-autre", name="Autre incubateur")
    startup = make_startup("lieu-dit", name="Lieu-dit", incubator_id=incubator.id, sponsors=[ministry],
                           phases=[("investigation", d("2025-01-06")), ("construction", d("2025-09-01"))],
                           events=[("product_launch", d("2025-10-01"))])
    elsewhere = make_startup("ailleurs", name="Ailleurs", incubator_id=other_incubator.id,
                             phases=[("investigation", d("2025-01-06"))])
    people = {
        "admin": make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True),
        "staff": make_person("Sam Staff", email="sam@example.gouv.fr"),
        "coach": make_person("Camille Coach", email="camille@example.gouv.fr"),
        "intrapreneur": make_person("Inès Intra", email="ines@example.gouv.fr"),
        "sponsor": make_person("Simon Sponsor", email="simon@example.gouv.fr"),
        "member": make_person("Théo Team", email="theo@example.gouv.fr"),
        "outsider": make_person("Oscar Ailleurs", email="oscar@example.gouv.fr"),
    }
    make_incubator_staff(people["staff"], incubator)
    for role in ("coach", "intrapreneur", "sponsor"):
        make_membership(people[role], startup, role)
    make_membership(people["member"], startup, "team_member")
    make_membership(people["outsider"], elsewhere, "intrapreneur")
    db.session.commit()  # a refused request rolls back its own changes, not these
    return {"startup": startup, "elsewhere": elsewhere, "incubator": incubator, "other_incubator": other_incubator,
            "ministry": ministry, "other_org": other_org, **people}
