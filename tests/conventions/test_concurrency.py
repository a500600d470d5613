"""The ceilings hold when two people write at the same moment: the checks run on figures read again under the
convention's lock (conventions.services.lock), not on the collections loaded with the page."""

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import fast_fund, queries, services, spending
from conventions.models import (
    Activity, Convention, FastGrant, Invoice, Order, Party, Quote, Release, Resource, ServiceFait, TaxBasis,
)
from conventions.values import ConventionError
from core.db import db
from startups.kept import refresh_phase_counts
from startups.models import Organisation, Startup
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.factories import make_organisation, make_startup

PREFIX = "concurrent-money"


def said(text: str) -> str:
    """A pattern for pytest.raises(match=…) finding `text` as written, whatever spaces the amounts use."""
    return re.escape(text).replace("\\ ", r"\s")


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def written_behind(statement) -> None:
    """A row another transaction committed while this one had the page loaded: written by Core, so that the
    session's collections do not know it."""
    db.session.execute(statement)


def test_an_order_engaged_since_the_page_was_loaded_counts_against_the_ceiling(app):
    convention, startup, actor = seed_convention()
    order(convention, startup, actor, 20_000 * EUR)
    assert len(convention.orders) == 1
    written_behind(sa.insert(Order).values(
        convention_id=convention.id, startup_id=startup.id, number="BC-OTHER", holder="Titulaire SAS",
        amount_cents=20_000 * EUR, engaged_on=dt.date(2024, 3, 2), activity=Activity.DEVELOPMENT,
        resource=Resource.SERVICES))
    with pytest.raises(ConventionError, match=said("Engagé 40 000 € + 5 000 € > 42 000 €")):
        order(convention, startup, actor, 5_000 * EUR, number="BC-2")
    with pytest.raises(ConventionError, match=said("BC-OTHER existe déjà")):
        order(convention, startup, actor, 1_000 * EUR, number="BC-OTHER")
    order(convention, startup, actor, 2_000 * EUR, number="BC-3")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 3


def test_a_release_since_the_page_was_loaded_counts_against_the_schedule(app):
    convention, startup, actor = seed_convention(released_ae=0, released_cp=0)
    services.release(convention, year=2024, released_on=dt.date(2024, 2, 1), ae_cents=30_000 * EUR, cp_cents=0,
                     actor=actor, today=TODAY)
    written_behind(sa.insert(Release).values(
        convention_id=convention.id, year=2024, released_on=dt.date(2024, 2, 2), ae_cents=10_000 * EUR, cp_cents=0))
    with pytest.raises(ConventionError, match=said("AE mises à disposition 40 000 € + 5 000 € > 42 000 €")):
        services.release(convention, year=2024, released_on=dt.date(2024, 2, 3), ae_cents=5_000 * EUR, cp_cents=0,
                         actor=actor, today=TODAY)


def test_services_faits_invoices_and_payments_since_the_page_was_loaded_count(app):
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 40_000 * EUR)
    spending.record_service_fait(bc, amount_cents=15_000 * EUR, delivered_on=dt.date(2024, 4, 1), actor=actor,
                                 today=TODAY)
    written_behind(sa.insert(ServiceFait).values(order_id=bc.id, amount_cents=20_000 * EUR,
                                                 delivered_on=dt.date(2024, 4, 2)))
    with pytest.raises(ConventionError, match=said("Services faits 35 000 € + 20 000 € > 40 000 €")):
        spending.record_service_fait(bc, amount_cents=20_000 * EUR, delivered_on=dt.date(2024, 4, 3), actor=actor,
                                     today=TODAY)
    written_behind(sa.insert(Invoice).values(order_id=bc.id, number="F-1", amount_cents=30_000 * EUR,
                                             filed_on=dt.date(2024, 4, 5)))
    with pytest.raises(ConventionError, match=said("F-1 est déjà enregistrée")):
        spending.record_invoice(bc, number="F-1", amount_cents=1_000 * EUR, filed_on=dt.date(2024, 4, 6),
                                actor=actor, today=TODAY)
    with pytest.raises(ConventionError, match=said("Facturé 30 000 € + 10 000 € > 35 000 €")):
        spending.record_invoice(bc, number="F-2", amount_cents=10_000 * EUR, filed_on=dt.date(2024, 4, 6),
                                actor=actor, today=TODAY)
    spending.validate_service_fait(bc.services[0], actor=None, today=TODAY)  # 15 000 € validated
    invoice = spending.record_invoice(bc, number="F-3", amount_cents=5_000 * EUR, filed_on=dt.date(2024, 4, 6),
                                      actor=actor, today=TODAY)
    written_behind(sa.update(Invoice).where(Invoice.number == "F-1").values(paid_on=dt.date(2024, 5, 1)))
    with pytest.raises(ConventionError, match=said("Payé 30 000 € + 5 000 € > 15 000 € de services faits validés")):
        spending.pay_invoice(invoice, paid_on=dt.date(2024, 5, 2), actor=actor, today=TODAY)
    written_behind(sa.update(Invoice).where(Invoice.id == invoice.id).values(paid_on=dt.date(2024, 5, 1)))
    with pytest.raises(ConventionError, match=said("F-3 est déjà payée")):
        spending.pay_invoice(invoice, paid_on=dt.date(2024, 5, 3), actor=actor, today=TODAY)



def test_the_database_refuses_an_invoice_number_twice_on_one_order_written_around_the_service(app):
    convention, startup, actor = seed_convention()
    bc = order(convention, startup, actor, 40_000 * EUR)
    other = order(convention, startup, actor, 1_000 * EUR, number="BC-OTHER")
    written_behind(sa.insert(Invoice).values(order_id=bc.id, number="F-1", amount_cents=EUR, filed_on=dt.date(2024, 4, 5)))
    # The same number on another order is another invoice.
    written_behind(sa.insert(Invoice).values(order_id=other.id, number="F-1", amount_cents=EUR,
                                             filed_on=dt.date(2024, 4, 5)))
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        written_behind(sa.insert(Invoice).values(order_id=bc.id, number="F-1", amount_cents=EUR,
                                                 filed_on=dt.date(2024, 4, 6)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 2

# -- two transactions at once -----------------------------------------------------------------------------

def committed_convention() -> int:
    """A signed convention with 42 000 € of AE and CP released for 2024, an order of 30 000 € and a quote D-0
    received, committed in a session of its own so that other connections see it."""
    partner = make_organisation(f"{PREFIX}-csm", name="Conseil supérieur de la magistrature (test)")
    startup = make_startup(f"{PREFIX}-fondation", name="Fondation (test)")
    convention = services.create_convention(actor=None, partner=partner, startups=[startup],
                                            years={2024: (42_000 * EUR, 42_000 * EUR)}, title=f"{PREFIX} convention",
                                            ends_on=dt.date(2024, 12, 31))
    services.sign(convention, Party.PARTNER, signatory="S", signatory_title="Ordonnateur", signed_on=dt.date(2024, 1, 10),
                  actor=None, today=TODAY)
    services.sign(convention, Party.DINUM, signatory="D", signatory_title="Directrice", signed_on=dt.date(2024, 1, 16),
                  actor=None, today=TODAY)
    services.release(convention, year=2024, released_on=dt.date(2024, 2, 1), ae_cents=42_000 * EUR,
                     cp_cents=42_000 * EUR, actor=None, today=TODAY)
    spending.engage_order(convention, startup=startup, number="BC-0", holder="Titulaire SAS",
                          amount_cents=30_000 * EUR, engaged_on=dt.date(2024, 3, 1), activity=Activity.DEVELOPMENT,
                          resource=Resource.SERVICES, actor=None, today=TODAY)
    spending.record_quote(convention, startup=startup, reference="D-0", holder="Titulaire SAS", amount_cents=5_000 * EUR,
                          tax_basis=TaxBasis.HT, received_on=dt.date(2024, 3, 1), valid_until=dt.date(2024, 12, 1),
                          actor=None, today=TODAY)
    db.session.commit()
    return convention.id


def delete_committed() -> None:
    convention_ids = sa.select(Convention.id).where(Convention.title == f"{PREFIX} convention").scalar_subquery()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.startup_id == f"{PREFIX}-fondation"))
    db.session.execute(sa.delete(FastGrant).where(FastGrant.startup_id == f"{PREFIX}-fondation"))
    db.session.execute(sa.delete(Convention).where(Convention.id.in_(convention_ids)))
    db.session.execute(sa.delete(Startup).where(Startup.id == f"{PREFIX}-fondation"))
    db.session.execute(sa.delete(Organisation).where(Organisation.id == f"{PREFIX}-csm"))
    refresh_phase_counts(db.session)  # a Core delete: the kept phase counts are recounted by hand
    db.session.commit()


def two_writers_at_once(app, write, committed=committed_convention):
    """Two writers, each in its own thread, connection and transaction, load the convention as its page does,
    wait for each other, then write(convention, n) and commit (committed(): the convention they load, committed
    first; by default committed_convention's). On
    PostgreSQL the second waits on the convention's row lock, then checks the figures the first committed;
    SQLite lets one writer at a time and refuses the other at its first write (« database is locked »).
    Returns ((written, refused, postgresql), what was stored)."""
    test_session = db.session
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            convention_id = committed()
            postgresql = db.engine.dialect.name == "postgresql"
        loaded = threading.Barrier(2, timeout=30)
        written, refused, errors = [], [], []

        def run(n):
            try:
                with app.app_context():
                    try:
                        convention = queries.convention(convention_id)
                        loaded.wait()
                        write(convention, n)
                        db.session.commit()
                        written.append(n)
                    except ConventionError as error:
                        db.session.rollback()
                        refused.append(error.message)
                    except sa.exc.OperationalError as error:
                        db.session.rollback()
                        if postgresql or "database is locked" not in str(error.orig):
                            raise
                        refused.append("database is locked")
                    finally:
                        db.session.remove()
            except Exception as error:  # reported by the main thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with app.app_context():
            result = {
                "orders": db.session.execute(sa.select(Order.number, Order.amount_cents)
                                             .where(Order.convention_id == convention_id)).all(),
                "services": db.session.scalars(sa.select(ServiceFait.amount_cents).join(Order)
                                               .where(Order.convention_id == convention_id)).all(),
                "quotes": db.session.execute(sa.select(Quote.reference, Quote.state)
                                             .where(Quote.convention_id == convention_id)).all(),
                "quote_events": db.session.scalars(sa.select(AuditEvent.action).where(
                    AuditEvent.object_type == "quote", AuditEvent.action != "quote.recorded")).all(),
                "fast": db.session.scalars(sa.select(FastGrant.ae_cents)
                                           .where(FastGrant.startup_id == f"{PREFIX}-fondation")).all(),
            }
        return (written, refused, postgresql), result
    finally:
        with app.app_context():
            delete_committed()
            db.session.remove()
        db.session = test_session


def test_two_orders_at_the_same_moment_never_pass_the_ae_ceiling_together(app):
    def write(convention, n):
        spending.engage_order(convention, startup=convention.startups[0], number=f"BC-RACE-{n}", holder="Titulaire SAS",
                              amount_cents=10_000 * EUR, engaged_on=dt.date(2024, 3, 2), activity=Activity.DEVELOPMENT,
                              resource=Resource.SERVICES, actor=None, today=TODAY)

    (written, refused, postgresql), result = two_writers_at_once(app, write)
    assert len(written) == 1 and len(refused) == 1
    assert sum(amount for _, amount in result["orders"]) == 40_000 * EUR  # 30 000 + one of the two 10 000
    if postgresql:
        assert [plain(r) for r in refused] == ["Engagé 40 000 € + 10 000 € > 42 000 € d'AE mises à disposition pour 2024."]


def test_two_services_faits_at_the_same_moment_never_pass_the_order_together(app):
    def write(convention, n):
        spending.record_service_fait(convention.orders[0], amount_cents=20_000 * EUR, delivered_on=dt.date(2024, 4, 1 + n),
                                     actor=None, today=TODAY)

    (written, refused, postgresql), result = two_writers_at_once(app, write)
    assert len(written) == 1 and len(refused) == 1
    assert result["services"] == [20_000 * EUR]
    if postgresql:
        assert [plain(r) for r in refused] == ["Services faits 20 000 € + 20 000 € > 30 000 € du bon de commande n° BC-0."]


def test_two_fast_grants_at_the_same_moment_never_pass_the_ceiling_together(app):
    """Each grant counted the startup's other grants without a lock: both 200 000 € grants passed the 300 000 €
    ceiling of 2024 together."""
    def write(convention, n):
        fast_fund.record_fast_grant(convention.startups[0], year=2024, ae_cents=200_000 * EUR, cp_cents=0,
                                    decided_on=dt.date(2024, 3, 1), reference=f"FAST-RACE-{n}", actor=None, today=TODAY)

    (written, refused, postgresql), result = two_writers_at_once(app, write)
    assert len(written) == 1 and len(refused) == 1
    assert result["fast"] == [200_000 * EUR]
    if postgresql:
        assert [plain(r) for r in refused] == [
            "FAST 2024 : accordé 200 000 € + 200 000 € > 300 000 €, plafond par projet en 2024."]


def test_a_quote_accepted_and_refused_at_the_same_moment_is_decided_once(app):
    """decide_quote checked the state it had loaded, without a lock: accepted by one person and refused by
    another at the same moment, the quote was both (two events in the audit trail, each « before: reçu »), and
    the last commit's decision stayed, whatever the first had done from it."""
    def write(convention, n):
        spending.decide_quote(convention.quotes[0], accept=n == 0, decided_on=dt.date(2024, 3, 5), actor=None,
                              today=TODAY)

    (written, refused, postgresql), result = two_writers_at_once(app, write)
    assert len(written) == 1 and len(refused) == 1
    assert len(result["quote_events"]) == 1
    state = result["quotes"][0][1]
    assert result["quote_events"] == [f"quote.{'accepted' if state.value == 'accepted' else 'refused'}"]
    if postgresql:
        assert [plain(r) for r in refused] == [f"Le devis n° D-0 est déjà {state.label.lower()} (le 5 mars 2024)."]


def committed_draft_signed_by_the_partner() -> int:
    partner = make_organisation(f"{PREFIX}-csm", name="Conseil supérieur de la magistrature (test)")
    startup = make_startup(f"{PREFIX}-fondation", name="Fondation (test)")
    convention = services.create_convention(actor=None, partner=partner, startups=[startup],
                                            years={2024: (42_000 * EUR, 42_000 * EUR)}, title=f"{PREFIX} convention",
                                            ends_on=dt.date(2024, 12, 31))
    services.sign(convention, Party.PARTNER, signatory="S", signatory_title="Ordonnateur", signed_on=dt.date(2024, 1, 10),
                  actor=None, today=TODAY)
    db.session.commit()
    return convention.id


def test_two_signatures_of_dinum_at_the_same_moment_are_recorded_once(app):
    """sign() checked the signature it had loaded, without a lock: two people recording DINUM's signature at the
    same moment both passed, two « Convention signée » events were kept and the last commit's signatory and date
    silently replaced the first's."""
    def write(convention, n):
        services.sign(convention, Party.DINUM, signatory=f"Signataire {n}", signatory_title="Directrice",
                      signed_on=dt.date(2024, 1, 16 + n), actor=None, today=TODAY)

    (written, refused, postgresql), _ = two_writers_at_once(app, write, committed_draft_signed_by_the_partner)
    assert len(written) == 1 and len(refused) == 1
    if postgresql:
        assert refused == ["La DINUM a déjà signé cette convention."]
