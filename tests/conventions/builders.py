"""A signed convention like the seed's (CSM–DINUM for « Fondation »), to build the money's tests on."""

import datetime as dt

from conventions import services
from conventions import spending
from conventions.models import Activity, Party, Resource
from tests.factories import make_incubator, make_organisation, make_person, make_startup

TODAY = dt.date(2024, 11, 27)
EUR = 100  # cents


def seed_convention(*, ae=42_000, cp=42_000, released_ae=None, released_cp=None, actor=None, ends_on=dt.date(2024, 12, 31)):
    """The seed: AE/CP 42 000 € for 2024, signed 16 January 2024, until 31 December 2024; released in full
    unless told otherwise."""
    partner = make_organisation(name="Conseil supérieur de la magistrature", acronym="CSM")
    incubator = make_incubator(name="Incubateur de la Justice")
    startup = make_startup(name="Fondation", incubator_id=incubator.id, sponsors=[partner],
                           phases=[("investigation", dt.date(2023, 10, 2))])
    actor = actor or make_person("Fanny Finance", is_dinum_finance=True)
    convention = services.create_convention(
        actor=actor, partner=partner, startups=[startup], years={2024: (ae * EUR, cp * EUR)},
        title="Délégation de gestion CSM – DINUM", ends_on=ends_on, chorus_uo="0335-CCSM-C001",
        chorus_domaine="0335-01", chorus_centre_financier="0335-CCSM-C001", chorus_activites="033501010101",
        chorus_centre_cout="DSJCSM1075")
    services.sign(convention, Party.PARTNER, signatory="Secrétaire générale", signatory_title="Ordonnateur secondaire",
                  signed_on=dt.date(2024, 1, 10), actor=actor, today=TODAY)
    services.sign(convention, Party.DINUM, signatory="Directrice de la DINUM", signatory_title="Directrice",
                  signed_on=dt.date(2024, 1, 16), actor=actor, today=TODAY)
    released_ae = ae if released_ae is None else released_ae
    released_cp = cp if released_cp is None else released_cp
    if released_ae or released_cp:
        services.release(convention, year=2024, released_on=dt.date(2024, 2, 1), ae_cents=released_ae * EUR,
                         cp_cents=released_cp * EUR, actor=actor, today=TODAY)
    return convention, startup, actor


def order(convention, startup, actor, amount_cents, *, number="BC-1", engaged_on=dt.date(2024, 3, 1),
          holder="Titulaire SAS", description=None):
    return spending.engage_order(convention, startup=startup, number=number, holder=holder,
                                 amount_cents=amount_cents, engaged_on=engaged_on, activity=Activity.DEVELOPMENT,
                                 resource=Resource.SERVICES, actor=actor, today=TODAY, description=description)
