"""The rules of the money, at the bound and one cent over; a refusal writes nothing."""

import datetime as dt

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import amendments, services
from conventions import spending
from conventions import values
from conventions.models import ConventionStatus, EndBound, Order, Party
from conventions.values import ConventionError
from core.db import db
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.factories import make_person, make_startup

NB = "\u202f"  # the French thousands separator


def events(action):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def orders_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order))


def test_engaged_may_reach_the_ae_released_and_not_one_cent_more(app):
    convention, startup, actor = seed_convention()
    order(convention, startup, actor, 40_000 * EUR)
    with pytest.raises(ConventionError) as refused:
        order(convention, startup, actor, 5_000 * EUR, number="BC-2")
    assert refused.value.message == (f"Engagé 40{NB}000\u00a0€ + 5{NB}000\u00a0€ > 42{NB}000\u00a0€ d'AE mises à "
                                     "disposition pour 2024.")
    assert orders_count() == 1 and events("convention_order.engaged") == 1
    with pytest.raises(ConventionError):
        order(convention, startup, actor, 2_000 * EUR + 1, number="BC-2")
    order(convention, startup, actor, 2_000 * EUR, number="BC-2")
    assert services.figures(convention)[2024].ae_available == 0


def test_engaged_is_bounded_by_the_ae_released_not_only_the_ae_planned(app):
    convention, startup, actor = seed_convention(released_ae=10_000, released_cp=10_000)
    with pytest.raises(ConventionError, match="10\u202f000\u00a0€ d'AE mises à disposition pour 2024"):
        order(convention, startup, actor, 10_000 * EUR + 1)
    order(convention, startup, actor, 10_000 * EUR)


def test_a_release_never_goes_beyond_the_schedule(app):
    convention, startup, actor = seed_convention(released_ae=30_000, released_cp=0)
    with pytest.raises(ConventionError, match="AE mises à disposition 30\u202f000\u00a0€ \\+ 12\u202f000,01\u00a0€ > 42\u202f000\u00a0€ d'AE prévues pour 2024"):
        services.release(convention, year=2024, released_on=dt.date(2024, 3, 1), ae_cents=12_000 * EUR + 1,
                         cp_cents=0, actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match="ne prévoit rien pour 2025"):
        services.release(convention, year=2025, released_on=dt.date(2024, 3, 1), ae_cents=1, cp_cents=0,
                         actor=actor, today=TODAY)
    services.release(convention, year=2024, released_on=dt.date(2024, 3, 1), ae_cents=12_000 * EUR,
                     cp_cents=42_000 * EUR, actor=actor, today=TODAY)
    numbers = services.figures(convention)[2024]
    assert (numbers.ae_released, numbers.cp_released) == (42_000 * EUR, 42_000 * EUR)
    assert events("convention.released") == 2


def test_services_faits_never_exceed_the_order_and_invoices_never_exceed_the_services_faits(app):
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 10_000 * EUR)
    spending.record_service_fait(bc, amount_cents=6_000 * EUR, delivered_on=dt.date(2024, 4, 1), actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match="Services faits 6\u202f000\u00a0€ \\+ 4\u202f000,01\u00a0€ > 10\u202f000\u00a0€"):
        spending.record_service_fait(bc, amount_cents=4_000 * EUR + 1, delivered_on=dt.date(2024, 5, 1), actor=actor, today=TODAY)
    assert len(bc.services) == 1
    spending.record_service_fait(bc, amount_cents=4_000 * EUR, delivered_on=dt.date(2024, 5, 1), actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match="Facturé 0\u00a0€ \\+ 10\u202f000,01\u00a0€ > 10\u202f000\u00a0€ de services faits"):
        spending.record_invoice(bc, number="F-1", amount_cents=10_000 * EUR + 1, filed_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    spending.record_invoice(bc, number="F-1", amount_cents=10_000 * EUR, filed_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    assert len(bc.invoices) == 1 and bc.state.value == "delivered"


def test_paid_needs_validated_services_faits_and_never_exceeds_the_cp_released(app):
    convention, startup, actor = seed_convention(released_cp=5_000)
    intra = make_person("Inès Intra")
    bc = order(convention, startup, actor, 10_000 * EUR)
    sf = spending.record_service_fait(bc, amount_cents=10_000 * EUR, delivered_on=dt.date(2024, 4, 1), actor=actor, today=TODAY)
    invoice = spending.record_invoice(bc, number="F-1", amount_cents=5_000 * EUR + 1, filed_on=dt.date(2024, 4, 2),
                                      actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match="services faits validés"):
        spending.pay_invoice(invoice, paid_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    spending.validate_service_fait(sf, actor=intra, today=TODAY)
    with pytest.raises(ConventionError, match="Payé 0\u00a0€ \\+ 5\u202f000,01\u00a0€ > 5\u202f000\u00a0€ de CP mis à disposition pour 2024"):
        spending.pay_invoice(invoice, paid_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    assert invoice.paid_on is None and events("invoice.paid") == 0
    second = spending.record_invoice(bc, number="F-2", amount_cents=4_999 * EUR + 99, filed_on=dt.date(2024, 4, 2),
                                     actor=actor, today=TODAY)
    spending.pay_invoice(second, paid_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    assert services.figures(convention)[2024].paid == 4_999 * EUR + 99
    assert bc.state.value == "delivered"


def test_an_order_closed_early_frees_the_rest_of_its_ae(app):
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 42_000 * EUR)
    spending.record_service_fait(bc, amount_cents=30_000 * EUR, delivered_on=dt.date(2024, 6, 1), actor=actor, today=TODAY)
    spending.close_order(bc, closed_on=dt.date(2024, 6, 2), actor=actor, today=TODAY)
    assert bc.engaged_cents == 30_000 * EUR and bc.state.value == "closed"
    with pytest.raises(ConventionError, match="soldé"):
        spending.record_service_fait(bc, amount_cents=1, delivered_on=dt.date(2024, 6, 3), actor=actor, today=TODAY)
    order(convention, startup, actor, 12_000 * EUR, number="BC-2", engaged_on=dt.date(2024, 7, 1))
    with pytest.raises(ConventionError):
        order(convention, startup, actor, 1, number="BC-3", engaged_on=dt.date(2024, 7, 1))


def test_an_order_is_dated_inside_the_convention_and_for_a_startup_it_covers(app):
    convention, startup, actor = seed_convention()
    with pytest.raises(ConventionError, match="précède la prise d'effet"):
        order(convention, startup, actor, EUR, engaged_on=dt.date(2024, 1, 15))
    with pytest.raises(ConventionError, match="ne couvre pas"):
        order(convention, make_startup(name="Autre"), actor, EUR)
    late, _, late_actor = seed_convention(ends_on=dt.date(2024, 6, 30))
    with pytest.raises(ConventionError, match="après la fin de la convention"):
        order(late, late.startups[0], late_actor, EUR, engaged_on=dt.date(2024, 7, 1))
    order(late, late.startups[0], late_actor, EUR, engaged_on=dt.date(2024, 6, 30))
    assert spending.freeze_warning(dt.date(2024, 12, 13)) and not spending.freeze_warning(dt.date(2024, 11, 30))


def test_a_signed_convention_changes_only_by_avenant_which_keeps_every_earlier_version(app):
    convention, startup, actor = seed_convention()
    with pytest.raises(ConventionError, match="que par avenant"):
        services.update_draft(convention, actor=actor, ends_on=dt.date(2025, 12, 31))
    order(convention, startup, actor, 40_000 * EUR)
    with pytest.raises(ConventionError, match="AE 2024 : 39\u202f999,99\u00a0€ < 42\u202f000\u00a0€ déjà mises à disposition"):
        amendments.amend(convention, summary="Baisse", partner_signed_on=dt.date(2024, 6, 1), dinum_signed_on=dt.date(2024, 6, 2),
                       actor=actor, today=TODAY, years={2024: (40_000 * EUR - 1, 42_000 * EUR)})
    assert convention.amendments == [] and convention.year(2024).ae_planned_cents == 42_000 * EUR
    first = amendments.amend(convention, summary="Prolongation et hausse", partner_signed_on=dt.date(2024, 6, 1),
                           dinum_signed_on=dt.date(2024, 6, 2), actor=actor, today=TODAY, ends_on=dt.date(2025, 12, 31),
                           years={2024: (50_000 * EUR, 50_000 * EUR), 2025: (80_000 * EUR, 80_000 * EUR)})
    assert first.number == 1 and convention.ends_on == dt.date(2025, 12, 31)
    second = amendments.amend(convention, summary="Nouvelle UO", partner_signed_on=dt.date(2024, 9, 1),
                            dinum_signed_on=dt.date(2024, 9, 2), actor=actor, today=TODAY, chorus_uo="0335-CCSM-C002")
    assert second.number == 2
    history = amendments.versions(convention)
    assert [number for number, _ in history] == [2, 1, 0]
    assert history[2][1]["ends_on"] == "2024-12-31" and history[2][1]["years"] == [
        {"year": 2024, "ae_cents": 42_000 * EUR, "cp_cents": 42_000 * EUR}]
    assert history[1][1]["chorus_uo"] == "0335-CCSM-C001" and history[0][1]["chorus_uo"] == "0335-CCSM-C002"
    with pytest.raises(ConventionError, match="ne change aucun terme"):
        amendments.amend(convention, summary="Rien", partner_signed_on=dt.date(2024, 9, 3), dinum_signed_on=dt.date(2024, 9, 3),
                       actor=actor, today=TODAY, chorus_uo="0335-CCSM-C002")
    assert events("convention.amended") == 2


def test_termination_takes_effect_no_earlier_than_three_months_after_notice(app):
    convention, _, actor = seed_convention()
    with pytest.raises(ConventionError, match="au plus tôt le 31 août 2024, pas le 30 août 2024"):
        amendments.terminate(convention, party=Party.PARTNER, notified_on=dt.date(2024, 5, 31), reason="Fin du besoin",
                           effective_on=dt.date(2024, 8, 30), actor=actor, today=TODAY)
    assert convention.terminated_on is None
    amendments.terminate(convention, party=Party.PARTNER, notified_on=dt.date(2024, 5, 31), reason="Fin du besoin",
                       actor=actor, today=TODAY)
    assert convention.terminated_on == dt.date(2024, 8, 31)
    assert convention.status(dt.date(2024, 8, 30)) is ConventionStatus.IN_FORCE
    assert convention.status(dt.date(2024, 8, 31)) is ConventionStatus.TERMINATED
    assert values.add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


def test_status_follows_the_dates_and_events(app):
    convention, _, actor = seed_convention()
    assert convention.status(dt.date(2024, 1, 16)) is ConventionStatus.IN_FORCE
    assert convention.status(dt.date(2025, 1, 1)) is ConventionStatus.ENDED
    amendments.suspend(convention, on=dt.date(2024, 10, 1), reason="Crédits non abondés", actor=actor, today=TODAY)
    assert convention.status(dt.date(2024, 10, 1)) is ConventionStatus.SUSPENDED
    amendments.resume(convention, actor=actor)
    assert convention.status(dt.date(2024, 10, 1)) is ConventionStatus.IN_FORCE


def test_a_draft_is_signed_by_the_partner_first_and_takes_effect_on_dinums_signature(app):
    from conventions.models import ConventionKind
    from tests.factories import make_organisation

    partner = make_organisation()
    startup = make_startup()
    draft = services.create_convention(actor=None, partner=partner, startups=[startup], years={2025: (EUR, EUR)},
                                       title="Brouillon", ends_on=dt.date(2025, 12, 31), kind=ConventionKind.PARTENARIAT)
    assert draft.status(TODAY) is ConventionStatus.DRAFT
    with pytest.raises(ConventionError, match="partenaire signe en premier"):
        services.sign(draft, Party.DINUM, signatory="X", signatory_title="Y", signed_on=TODAY, actor=None, today=TODAY)
    services.sign(draft, Party.PARTNER, signatory="X", signatory_title="Y", signed_on=TODAY, actor=None, today=TODAY)
    services.sign(draft, Party.DINUM, signatory="Z", signatory_title="W", signed_on=TODAY, actor=None, today=TODAY)
    assert draft.starts_on == TODAY and draft.status(TODAY) is ConventionStatus.IN_FORCE


@pytest.mark.parametrize(("field", "value"), [
    ("chorus_uo", "0335 CCSM C001"), ("chorus_domaine", "335-01"), ("chorus_activites", "03350101010"),
    ("chorus_centre_cout", "dsj csm"),
])
def test_chorus_references_are_checked_for_shape_and_kept_as_given(app, field, value):
    with pytest.raises(ConventionError, match="mal formée"):
        services.create_convention(actor=None, partner=_partner(),
                                   startups=[make_startup()], years={2025: (EUR, EUR)}, title="T",
                                   ends_on=dt.date(2025, 12, 31), **{field: value})


def _partner():
    from tests.factories import make_organisation

    return make_organisation()


def test_amounts_are_parsed_exactly_in_cents():
    assert values.parse_cents("42 000") == 4_200_000
    assert values.parse_cents("1\u202f234,50 €") == 123_450
    assert values.parse_cents("0.01") == 1
    for bad in ("12,345", "abc", "-5", ""):
        with pytest.raises(ConventionError):
            values.parse_cents(bad)
    assert values.cents_fr(4_200_000) == f"42{NB}000\u00a0€" and values.cents_fr(123_450) == f"1{NB}234,50\u00a0€"


def test_an_avenant_or_a_termination_keeps_the_spending_inside_the_period(app):
    """Moving the end before an order, a service fait or a payment (or a termination taking effect before
    them) would leave them outside the convention: refused, quoting the last one, nothing changed."""
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 10_000 * EUR, engaged_on=dt.date(2024, 3, 1))
    service = spending.record_service_fait(bc, amount_cents=5_000 * EUR, delivered_on=dt.date(2024, 9, 2), actor=actor,
                                           today=TODAY)
    spending.validate_service_fait(service, actor=make_person("Inès Intra"), today=TODAY)
    spending.record_invoice(bc, number="F-1", amount_cents=5_000 * EUR, filed_on=dt.date(2024, 9, 3),
                            paid_on=dt.date(2024, 10, 15), actor=actor, today=TODAY)

    def amend(ends_on, **extra):
        return amendments.amend(convention, summary="Fin avancée", partner_signed_on=dt.date(2024, 11, 1),
                              dinum_signed_on=dt.date(2024, 11, 2), actor=actor, today=TODAY, ends_on=ends_on, **extra)

    with pytest.raises(ConventionError, match="La date de fin \\(29 février 2024\\) précède le bon de commande n° BC-1 "
                                              "engagé le 1er mars 2024."):
        amend(dt.date(2024, 2, 29))
    with pytest.raises(ConventionError, match="La date de fin \\(31 août 2024\\) précède le service fait du 2 septembre 2024"):
        amend(dt.date(2024, 8, 31))
    with pytest.raises(ConventionError, match="La date de fin \\(30 septembre 2024\\) précède le paiement de la facture "
                                              "n° F-1 le 15 octobre 2024"):
        amend(dt.date(2024, 9, 30))
    with pytest.raises(ConventionError, match="La prise d'effet \\(1er avril 2024\\) suit le bon de commande n° BC-1"):
        amend(dt.date(2024, 12, 31), starts_on=dt.date(2024, 4, 1))
    with pytest.raises(ConventionError, match="La résiliation au 30 septembre 2024 précède le paiement de la facture n° F-1"):
        amendments.terminate(convention, party=Party.PARTNER, notified_on=dt.date(2024, 6, 30), reason="Fin du besoin",
                           effective_on=dt.date(2024, 9, 30), actor=actor, today=TODAY)
    assert convention.ends_on == dt.date(2024, 12, 31) and convention.terminated_on is None
    assert convention.amendments == []
    # The guide's rule (the end bounds engagement only): delivery and payment may come after the end.
    amend(dt.date(2024, 8, 31), end_bound=EndBound.ENGAGEMENT)
    assert convention.ends_on == dt.date(2024, 8, 31)


def test_who_recorded_a_service_fait_does_not_validate_it(app):
    """Separation of duties: an admin (or an intrapreneur who is also the incubator's staff) recorded a service
    fait and validated it, declaring a delivery and certifying it alone; the validation is now someone else's."""
    convention, startup, finance = seed_convention()
    admin = make_person("Ada Admin", is_admin=True)
    bc = order(convention, startup, finance, 10_000 * EUR)
    service = spending.record_service_fait(bc, amount_cents=4_000 * EUR, delivered_on=dt.date(2024, 4, 1), actor=admin,
                                           today=TODAY)
    with pytest.raises(ConventionError, match="Vous avez enregistré ce service fait : une autre personne"):
        spending.validate_service_fait(service, actor=admin, today=TODAY)
    assert service.validated_on is None and events("service_fait.validated") == 0
    other_admin = make_person("Basile Admin", is_admin=True)
    spending.validate_service_fait(service, actor=other_admin, today=TODAY)
    assert service.validated_by_id == other_admin.id and events("service_fait.validated") == 1


def test_an_order_is_not_closed_before_a_service_fait_it_counts(app):
    """Closed early « at the amount consumed », an order could be dated closed before a delivery that amount
    counts: the consumption at the closing included work delivered after it."""
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 10_000 * EUR)
    spending.record_service_fait(bc, amount_cents=4_000 * EUR, delivered_on=dt.date(2024, 6, 1), actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match="La clôture \\(31 mai 2024\\) précède le service fait du 1er juin 2024"):
        spending.close_order(bc, closed_on=dt.date(2024, 5, 31), actor=actor, today=TODAY)
    assert bc.closed_on is None and events("convention_order.closed") == 0
    spending.close_order(bc, closed_on=dt.date(2024, 6, 1), actor=actor, today=TODAY)
    assert bc.engaged_cents == 4_000 * EUR


def test_an_avenant_is_signed_after_the_previous_one_and_before_the_convention_ends(app):
    """An avenant n° 2 could be dated before the n° 1 it follows (its history then reads backwards), and an
    avenant signed after the convention had ended revived it: an ended convention is not amended, a new one
    is signed."""
    convention, startup, actor = seed_convention()
    amendments.amend(convention, summary="Nouvelle UO", partner_signed_on=dt.date(2024, 6, 1),
                   dinum_signed_on=dt.date(2024, 6, 2), actor=actor, today=TODAY, chorus_uo="0335-CCSM-C002")
    with pytest.raises(ConventionError, match="L'avenant ne peut pas être signé avant l'avenant n° 1 \\(2 juin 2024\\)"):
        amendments.amend(convention, summary="Autre UO", partner_signed_on=dt.date(2024, 5, 1),
                       dinum_signed_on=dt.date(2024, 5, 2), actor=actor, today=TODAY, chorus_uo="0335-CCSM-C003")
    with pytest.raises(ConventionError, match="La convention a pris fin le 31 décembre 2024"):
        amendments.amend(convention, summary="Prolongation", partner_signed_on=dt.date(2025, 1, 10),
                       dinum_signed_on=dt.date(2025, 1, 15), actor=actor, today=dt.date(2025, 2, 1),
                       ends_on=dt.date(2025, 12, 31), years={2024: (42_000 * EUR, 42_000 * EUR), 2025: (1_000 * EUR, 0)})
    assert len(convention.amendments) == 1 and convention.ends_on == dt.date(2024, 12, 31)
    amendments.amend(convention, summary="Prolongation", partner_signed_on=dt.date(2024, 12, 20),
                   dinum_signed_on=dt.date(2024, 12, 31), actor=actor, today=dt.date(2025, 2, 1),
                   ends_on=dt.date(2025, 12, 31), years={2024: (42_000 * EUR, 42_000 * EUR), 2025: (1_000 * EUR, 0)})
    assert convention.ends_on == dt.date(2025, 12, 31)
