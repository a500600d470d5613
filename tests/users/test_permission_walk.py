"""The permission walk: every route of the URL map, for every role, agrees with the policy.

1. Every endpoint (static excepted) declares its rule with @public or @requires(action): a new route
   without one fails here.
2. Every route is requested (GET; POST for POST-only routes) as each role, its URL arguments filled from
   ARGUMENTS below, and:
   - @public routes never answer 401/403;
   - @requires routes send anonymous visitors to the login page, and answer 403 exactly when
     can(action, target) says no — the target being the last URL argument that has a permission scope
     (for /users/me and below: the logged-in person);
   - no route answers 500.

A new route with a new URL argument name fails with a message naming it: add a builder to ARGUMENTS,
`"name": lambda world: <object or value>`. A builder returns a model object (its `id` fills the URL and
it becomes the permission target when it has permission_scope()) or a plain value. `world.once(key,
build)` builds an object once per test, for arguments that must point at the same object.
"""

import datetime as dt
import html
from collections.abc import Callable

import pytest

from app import create_app
from core import clock
from core import dates
from tests.factories import (
    login,
    make_incubator,
    make_incubator_staff,
    make_membership,
    make_organisation,
    make_person,
    make_startup,
)
from users.models import StartupRole
from users.permissions import can, role_change_refusal

ROLES = ("anonymous", "outsider", "team_member", "intrapreneur", "coach", "sponsor", "incubator_staff", "dinum_finance",
         "admin")


class World:
    """The objects a walk request may point at: one startup with its team, another startup, their
    incubators and organisations, a person for each role."""

    def __init__(self):
        self.organisation = make_organisation(name="Ministère de la Démonstration")
        self.incubator = make_incubator(name="Incubateur de la Démonstration", owner_id=self.organisation.id)
        self.startup = make_startup(
            name="Startup parcourue", incubator_id=self.incubator.id, sponsors=[self.organisation],
            phases=[("investigation", dt.date(2025, 1, 6)), ("construction", dt.date(2025, 6, 2))],
            events=[("committee", dt.date(2025, 6, 2))],
        )
        other_incubator = make_incubator(name="Autre incubateur")
        self.other_startup = make_startup(name="Autre startup", incubator_id=other_incubator.id,
                                          phases=[("construction", dt.date(2025, 3, 3))])
        self.people = {
            "outsider": make_person("Membre d'une autre startup"),
            "team_member": make_person("Membre de l'équipe"),
            "intrapreneur": make_person("Intrapreneure"),
            "coach": make_person("Coach"),
            "sponsor": make_person("Sponsor", organisation_id=self.organisation.id),
            "incubator_staff": make_person("Équipe d'incubateur"),
            "dinum_finance": make_person("Finance DINUM", is_dinum_finance=True),
            "admin": make_person("Admin", is_admin=True),
        }
        make_membership(self.people["outsider"], self.other_startup, "team_member")
        for role in ("team_member", "intrapreneur", "coach", "sponsor"):
            make_membership(self.people[role], self.startup, role)
        make_incubator_staff(self.people["incubator_staff"], self.incubator)
        self._built: dict[str, object] = {}

    def startup_memberships(self):
        """The memberships of the startup's team: one per startup role."""
        return [m for role in ("team_member", "intrapreneur", "coach", "sponsor") for m in self.people[role].memberships]

    def once(self, key: str, build: Callable[[], object]):
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    # Objects of other areas, built on demand (imports inside: the walk must not need every area's models).
    def committee(self):
        def build():
            from committees.models import Committee, CommitteeKind, CommitteeStatus, Participant, ParticipantRole
            from core.db import db

            committee = Committee(startup=self.startup, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.PLANNED,
                                  scheduled_at=dt.datetime(2026, 12, 10, 13, tzinfo=dt.timezone.utc))
            committee.participants.append(Participant(person=self.people["intrapreneur"], role=ParticipantRole.INTRAPRENEUR))
            db.session.add(committee)
            db.session.flush()
            return committee

        return self.once("committee", build)

    def action_item(self):
        def build():
            from committees.models import ActionItem
            from core.db import db

            item = ActionItem(committee=self.committee(), title="Mesurer l'usage")
            db.session.add(item)
            db.session.flush()
            return item

        return self.once("action_item", build)

    def grids(self) -> dict[str, str]:
        """The official grids seeded; their codes."""
        def build():
            from core.db import db
            from grids.versions import seed_official_grids
            from indicators.queries import official_grids

            seed_official_grids(official_grids(), now=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc))
            db.session.flush()
            return {grid["code"]: grid["code"] for grid in official_grids()["grids"]}

        return self.once("grids", build)

    def attachment(self):
        def build():
            from presentations.attachments import add_attachment
            from presentations.services import prefill

            now = dt.datetime(2026, 11, 27, 9, tzinfo=dt.timezone.utc)
            presentation = prefill(self.committee(), actor=None, now=now)
            pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
            return add_attachment(presentation, filename="support.pdf", data=pdf, actor=None, now=now)

        return self.once("attachment", build)

    def indicator(self):
        def build():
            from core.db import db
            from indicators.models import Category, Indicator

            indicator = Indicator(startup_id=self.startup.id, name="Usagers actifs", category=list(Category)[0])
            db.session.add(indicator)
            db.session.flush()
            return indicator

        return self.once("indicator", build)

    def convention(self):
        """A signed convention for the startup, money released, one order with a service fait and an invoice."""
        def build():
            from conventions import services
            from conventions import fast_fund
            from conventions import spending
            from conventions.models import Activity, Party, Resource, TaxBasis

            today = dt.date(2026, 11, 27)
            convention = services.create_convention(
                actor=None, partner=self.organisation, startups=[self.startup], years={2026: (4_200_000, 4_200_000)},
                title="Délégation de la démonstration", ends_on=dt.date(2026, 12, 31))
            for party, on in ((Party.PARTNER, dt.date(2026, 1, 10)), (Party.DINUM, dt.date(2026, 1, 16))):
                services.sign(convention, party, signatory="Signataire", signatory_title="Ordonnateur", signed_on=on,
                              actor=None, today=today)
            services.release(convention, year=2026, released_on=dt.date(2026, 2, 1), ae_cents=4_200_000,
                             cp_cents=4_200_000, actor=None, today=today)
            order = spending.engage_order(convention, startup=self.startup, number="BC-1", holder="Titulaire",
                                          amount_cents=1_000_000, engaged_on=dt.date(2026, 3, 2),
                                          activity=Activity.DEVELOPMENT, resource=Resource.SERVICES, actor=None,
                                          today=today)
            spending.record_service_fait(order, amount_cents=500_000, delivered_on=dt.date(2026, 4, 1), actor=None,
                                         today=today)
            spending.record_invoice(order, number="F-1", amount_cents=500_000, filed_on=dt.date(2026, 4, 2),
                                    actor=None, today=today)
            quote = spending.record_quote(convention, startup=self.startup, reference="D-1", holder="Titulaire",
                                          amount_cents=800_000, tax_basis=TaxBasis.HT, received_on=dt.date(2026, 4, 10),
                                          valid_until=dt.date(2027, 4, 10), actor=None, today=today)
            spending.decide_quote(quote, accept=True, decided_on=dt.date(2026, 4, 12), actor=None, today=today)
            services.upload_signed_document(convention, filename="signee.pdf", data=b"%PDF-1.4\nstartxref\n9\n%%EOF\n",
                                            actor=None, now=dt.datetime(2026, 1, 17, tzinfo=dt.timezone.utc))
            return convention

        return self.once("convention", build)

    def fast_grant(self):
        def build():
            from conventions import services
            from conventions import fast_fund
            from conventions import spending

            return fast_fund.record_fast_grant(self.startup, year=2026, ae_cents=10_000_000, cp_cents=5_000_000,
                                              decided_on=dt.date(2026, 3, 1), reference="FAST-2026-1", actor=None,
                                              today=dt.date(2026, 11, 27))

        return self.once("fast_grant", build)


    def objective(self):
        def build():
            from decimal import Decimal

            from core.db import db
            from indicators.models import Objective

            objective = Objective(indicator=self.indicator(), target_value=Decimal(100), target_on=dt.date(2027, 6, 30))
            db.session.add(objective)
            db.session.flush()
            return objective

        return self.once("objective", build)


# URL argument name -> builder(world) -> a model object or a plain value.
ARGUMENTS: dict[str, Callable[[World], object]] = {
    "startup_id": lambda w: w.startup,
    "incubator_id": lambda w: w.incubator,
    "organisation_id": lambda w: w.organisation,
    "person_id": lambda w: w.people["team_member"],
    "token": lambda w: "jeton-inconnu",
    "committee_id": lambda w: w.committee(),
    "participant_id": lambda w: w.committee().participants[0],
    "item_id": lambda w: w.action_item(),
    "indicator_id": lambda w: w.indicator(),
    "period_id": lambda w: w.startup.periods[-1],
    "event_id": lambda w: w.startup.events[0],
    "membership_id": lambda w: w.people["team_member"].memberships[0],
    "staff_id": lambda w: w.people["incubator_staff"].incubator_roles[0],
    "template_code": lambda w: w.grids()["arbitrage_sponsor"],
    "code": lambda w: w.grids()["lancement"],
    "attachment_id": lambda w: w.attachment(),
    "convention_id": lambda w: w.convention(),
    "order_id": lambda w: w.convention().orders[0],
    "service_id": lambda w: w.convention().orders[0].services[0],
    "invoice_id": lambda w: w.convention().orders[0].invoices[0],
    "quote_id": lambda w: w.convention().quotes[0],
    "document_id": lambda w: w.convention().documents[0],
    "grant_id": lambda w: w.fast_grant(),
    "objective_id": lambda w: w.objective(),
    "dataset": lambda w: "startups",
    "kind": lambda w: "csv",
}


def _is_about_oneself(rule: str) -> bool:
    """/users/me and below: the target is the logged-in person, whom the URL does not name."""
    return rule == "/users/me" or rule.startswith("/users/me/")


def _routes():
    """(endpoint, rule, method) of every route, read from an application built for collection only."""
    app = create_app({"JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "collection",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        routes.append(pytest.param(rule.endpoint, rule.rule, method, id=f"{method} {rule.rule}"))
    return routes


ROUTES = _routes()


def test_every_route_declares_its_permission(app):
    missing = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "permission")
    ]
    assert missing == [], f"routes without @public or @requires(...): {missing}"


def test_the_walk_knows_every_url_argument(app):
    unknown = {
        argument: rule.rule
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for argument in rule.arguments if argument not in ARGUMENTS
    }
    assert unknown == {}, (
        "URL arguments without a walk value — add a builder to ARGUMENTS in tests/users/test_permission_walk.py: "
        f"{unknown}"
    )


def _resolve(app, endpoint: str, rule: str, world: World):
    """The URL to request and the permission target (the last argument object with a permission scope)."""
    from flask import url_for

    values, target = {}, None
    url_rule = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == rule)
    for argument in url_rule.arguments:
        if argument not in ARGUMENTS:
            pytest.fail(f"{rule}: no walk value for the URL argument {argument!r}; add it to ARGUMENTS")
        built = ARGUMENTS[argument](world)
        if hasattr(built, "id") and not isinstance(built, (str, int)):
            values[argument] = built.id
            if hasattr(built, "permission_scope"):
                target = built
        else:
            values[argument] = built
    with app.test_request_context():
        return url_for(endpoint, **values), target


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES)
def test_the_route_answers_as_the_policy_says(app, client, endpoint, rule, method, role):
    world = World()
    url, target = _resolve(app, endpoint, rule, world)
    person = world.people.get(role)
    if person is not None:
        login(client, person)
    permission = app.view_functions[endpoint].permission
    if _is_about_oneself(rule):
        target = person
    # Asked before the request: in tests the request shares the test's database session, so a view that
    # rolls back also undoes the world's rows.
    allowed = permission != "public" and person is not None and can(permission, target, person=person)

    response = client.open(url, method=method)
    status = response.status_code
    location = response.headers.get("Location", "")

    assert status < 500, f"{method} {url} as {role}: {status}"
    if permission == "public":
        assert status not in (401, 403), f"public route {method} {url} refused {role}: {status}"
    elif person is None:
        assert status in (302, 303) and location.startswith("/users/login"), (
            f"{method} {url}: anonymous visitors must be sent to the login page, got {status} {location}")
    elif allowed:
        assert status not in (401, 403) and not location.startswith("/users/login"), (
            f"{method} {url}: the policy lets {role} {permission!r}, the route answered {status} {location}")
    else:
        assert status == 403, f"{method} {url}: the policy refuses {role} {permission!r}, the route answered {status}"


# --- Granting and ending roles: every role × every role granted or ended ------------------------------

@pytest.mark.parametrize("ending", [False, True], ids=["grant", "end"])
@pytest.mark.parametrize("granted", list(StartupRole))
@pytest.mark.parametrize("role", ROLES)
def test_the_team_routes_grant_and_end_roles_as_the_policy_says(app, client, role, granted, ending):
    """POST /startups/<id>/members/invite and …/members/<id>/end, for each role, with each startup role:
    303 exactly when users.permissions.role_change_refusal says yes, else 403 with its French reason."""
    world = World()
    person = world.people.get(role)
    if person is not None:
        login(client, person)
    on = clock.today()
    if ending:
        membership = next(m for m in world.startup_memberships() if m.role == granted)
        refusal = role_change_refusal(person, world.startup, granted, membership.person, ending=True, on=on)
        response = client.post(f"/startups/{world.startup.id}/members/{membership.id}/end",
                               data={"ends_on": on.isoformat()})
    else:
        refusal = role_change_refusal(person, world.startup, granted, None, on=on)
        response = client.post(f"/startups/{world.startup.id}/members/invite", data={
            "email": "nouvelle.personne@example.gouv.fr", "name": "Nouvelle Personne", "role": granted.value,
            "starts_on": on.isoformat()})
    if person is None:
        assert response.status_code == 303 and response.headers["Location"].startswith("/users/login")
    elif refusal is None:
        assert response.status_code == 303, f"{role} may {'end' if ending else 'grant'} {granted}"
    else:
        assert response.status_code == 403, f"{role} may not {'end' if ending else 'grant'} {granted}"
        if can("startup.manage_members", world.startup, person=person):  # else the team is not theirs at all
            assert refusal in html.unescape(response.text)
