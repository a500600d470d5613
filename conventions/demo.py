"""The money of `make run`: the seed convention of « Fondation » (CSM–DINUM, 2024), and a few demo
conventions, titled « (démo) » and flagged is_demo, whose orders go through every state."""

import datetime as dt

import sqlalchemy as sa

from conventions import amendments, services
from conventions import fast_fund
from conventions import spending
from conventions.models import Activity, Convention, ConventionKind, Party, Resource, TaxBasis
from core.db import db
from startups.kept import current_periods
from startups.models import Organisation, Startup
from startups.phases import ACTIVE_PHASES, Phase
from users.forms import DEMO_PERSONAS
from users.models import Membership, Person, StartupRole

EUR = 100
SEED_REFERENCE = "CSM-DINUM-2024-FONDATION"


def _seed(today: dt.date, lines: list[str]) -> None:
    startup = db.session.get(Startup, "fondation")
    partner = db.session.get(Organisation, "csm")
    if startup is None or partner is None:
        lines.append("La startup « fondation » ou l'organisation « csm » manque : pas de convention de la graine.")
        return
    if db.session.scalar(sa.select(Convention.id).where(Convention.reference == SEED_REFERENCE)):
        return
    convention = services.create_convention(
        actor=None, partner=partner, startups=[startup], years={2024: (42_000 * EUR, 42_000 * EUR)},
        kind=ConventionKind.DELEGATION, title="Délégation de gestion CSM – DINUM pour Fondation",
        reference=SEED_REFERENCE, ends_on=dt.date(2024, 12, 31), phase=Phase.CONSTRUCTION,
        chorus_uo="0335-CCSM-C001", chorus_domaine="0335-01", chorus_centre_financier="0335-CCSM-C001",
        chorus_activites="033501010101", chorus_centre_cout="DSJCSM1075")
    services.sign(convention, Party.PARTNER, signatory="Le secrétaire général du CSM", signatory_title="Ordonnateur secondaire",
                  signed_on=dt.date(2024, 1, 16), actor=None, today=today)
    services.sign(convention, Party.DINUM, signatory="Le directeur interministériel du numérique",
                  signatory_title="Directeur de la DINUM", signed_on=dt.date(2024, 1, 16), actor=None, today=today)
    lines.append("Convention de la graine : CSM – DINUM pour Fondation (2024, AE/CP 42 000 €).")


def _demo_startups(today: dt.date) -> list[Startup]:
    """The demo intrapreneur's startup first (so that the personas see its money), then active startups with
    a sponsor, of the same incubator when there are."""
    email = DEMO_PERSONAS["intrapreneur"][0]
    own = db.session.scalars(
        sa.select(Startup).join(Membership, Membership.startup_id == Startup.id).join(Person, Person.id == Membership.person_id)
        .where(Person.email == email, Membership.role == StartupRole.INTRAPRENEUR)).first()
    current = current_periods(today)
    others = list(db.session.scalars(
        sa.select(Startup).join(current, current.c.startup_id == Startup.id)
        .where(current.c.phase.in_([p.value for p in ACTIVE_PHASES]), Startup.archived_at.is_(None),
               Startup.id != "fondation").order_by(Startup.id).limit(12)))
    chosen = ([own] if own else []) + [s for s in others if s is not own and s.sponsors]
    return chosen[:3]


def _demo(today: dt.date, lines: list[str]) -> None:
    if db.session.scalar(sa.select(Convention.id).where(Convention.is_demo.is_(True)).limit(1)):
        return
    startups = _demo_startups(today)
    if not startups:
        lines.append("Aucune startup active avec un sponsor : pas de convention de démonstration.")
        return
    base = today - dt.timedelta(days=200)
    years = {y: (300_000 * EUR, 300_000 * EUR) for y in {base.year, today.year}}

    def convention(startup: Startup, n: int, *, ends_on: dt.date, signed_on: dt.date | None):
        item = services.create_convention(
            actor=None, partner=startup.sponsors[0], startups=[startup], years=years, is_demo=True,
            title=f"Convention de démonstration n° {n} — {startup.name} (démo)", reference=f"DEMO-{n}",
            ends_on=ends_on, chorus_uo="0000-DEMO-C001", chorus_domaine="0000-01", chorus_activites="000001010101",
            chorus_centre_cout="DEMO0001")
        if signed_on is not None:
            services.sign(item, Party.PARTNER, signatory="Signataire du partenaire (démo)",
                          signatory_title="Ordonnateur secondaire", signed_on=signed_on, actor=None, today=today)
            services.sign(item, Party.DINUM, signatory="Signataire de la DINUM (démo)", signatory_title="Directeur",
                          signed_on=signed_on, actor=None, today=today)
        return item

    # 1. In force, ending within 90 days, not published: money released in stages, orders in every state.
    main = convention(startups[0], 1, ends_on=today + dt.timedelta(days=60), signed_on=base - dt.timedelta(days=10))
    for year in years:
        services.release(main, year=year, released_on=base, ae_cents=200_000 * EUR, cp_cents=150_000 * EUR,
                         actor=None, today=today)

    def order(number: str, amount: int, day: int, activity: Activity):
        return spending.engage_order(main, startup=startups[0], number=number, holder="Titulaire du marché (démo)",
                                     amount_cents=amount * EUR, engaged_on=base + dt.timedelta(days=day),
                                     activity=activity, resource=Resource.SERVICES, actor=None, today=today)

    def delivered(item, amount: int, day: int, validate: bool = True):
        service = spending.record_service_fait(item, amount_cents=amount * EUR, delivered_on=base + dt.timedelta(days=day),
                                               actor=None, today=today)
        if validate:
            spending.validate_service_fait(service, actor=None, today=base + dt.timedelta(days=day + 2))
        return service

    order("DEMO-BC-1", 20_000, 5, Activity.DEVELOPMENT)  # engaged, nothing delivered yet
    partly = order("DEMO-BC-2", 40_000, 10, Activity.DEVELOPMENT)
    delivered(partly, 15_000, 60)
    whole = order("DEMO-BC-3", 25_000, 15, Activity.DESIGN)
    delivered(whole, 25_000, 90, validate=False)  # waits for the intrapreneur's validation
    db.session.flush()
    paid = order("DEMO-BC-4", 30_000, 20, Activity.PRODUCT)
    delivered(paid, 30_000, 120)
    db.session.flush()
    spending.record_invoice(paid, number="DEMO-F-4", amount_cents=30_000 * EUR, filed_on=base + dt.timedelta(days=125),
                            paid_on=base + dt.timedelta(days=150), actor=None, today=today)
    closed = order("DEMO-BC-5", 20_000, 25, Activity.HOSTING)
    delivered(closed, 8_000, 100)
    spending.close_order(closed, closed_on=base + dt.timedelta(days=110), actor=None, today=today)
    # A quote accepted and ordered, and one received that waits for DINUM's decision.
    quoted = spending.record_quote(main, startup=startups[0], reference="DEMO-DEVIS-1", holder="Titulaire du marché (démo)",
                                   amount_cents=12_000 * EUR, tax_basis=TaxBasis.HT, received_on=base + dt.timedelta(days=26),
                                   valid_until=base + dt.timedelta(days=56), actor=None, today=today,
                                   description="Audit d'accessibilité (démo)")
    spending.decide_quote(quoted, accept=True, decided_on=base + dt.timedelta(days=28), actor=None, today=today)
    spending.engage_order(main, startup=startups[0], number="DEMO-BC-6", holder=quoted.holder, amount_cents=12_000 * EUR,
                          engaged_on=base + dt.timedelta(days=30), activity=Activity.DESIGN, resource=Resource.SERVICES,
                          quote=quoted, actor=None, today=today)
    spending.record_quote(main, startup=startups[0], reference="DEMO-DEVIS-2", holder="Titulaire du marché (démo)",
                          amount_cents=18_000 * EUR, tax_basis=TaxBasis.HT, received_on=today - dt.timedelta(days=3),
                          valid_until=today + dt.timedelta(days=27), actor=None, today=today)
    # FAST co-finances the startup this year.
    fast_fund.record_fast_grant(startups[0], year=today.year, ae_cents=100_000 * EUR, cp_cents=50_000 * EUR,
                               decided_on=min(today, dt.date(today.year, 1, 15)), reference="FAST-DEMO-1",
                               note="Financement FAST de démonstration", actor=None, today=today)
    lines.append(f"Convention de démonstration n° 1 : {startups[0].name}, 6 bons de commande, 2 devis, un financement FAST.")
    # 2. A draft.
    if len(startups) > 1:
        convention(startups[1], 2, ends_on=dt.date(today.year + 1, 12, 31), signed_on=None)
        lines.append(f"Convention de démonstration n° 2 (brouillon) : {startups[1].name}.")
    # 3. Signed, published, then terminated with three months' notice.
    if len(startups) > 2:
        third = convention(startups[2], 3, ends_on=dt.date(today.year + 1, 12, 31), signed_on=base)
        services.update_follow_up(third, actor=None, datagouv_url="https://www.data.gouv.fr/fr/datasets/demo/",
                                  datagouv_published_on=base + dt.timedelta(days=20))
        amendments.terminate(third, party=Party.PARTNER, notified_on=today - dt.timedelta(days=10),
                           reason="Résiliation de démonstration", actor=None, today=today)
        lines.append(f"Convention de démonstration n° 3 (résiliation notifiée) : {startups[2].name}.")


def seed_demo_conventions(*, today: dt.date) -> list[str]:
    """Idempotent: the seed's convention and the demo conventions exist afterwards, created once."""
    lines: list[str] = []
    _seed(today, lines)
    _demo(today, lines)
    db.session.flush()
    return lines or ["Conventions de démonstration déjà en place."]
