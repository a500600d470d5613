"""`flask conventions import FILE`: a good file, bad lines rejected alone with their number and reason, a
re-run that writes nothing, an unreadable file; and `flask conventions seed-demo`."""

import datetime as dt

import pytest
import sqlalchemy as sa

from conventions import importer
from conventions.models import Convention, Order
from core.db import db
from conventions import amendments
from conventions.values import ConventionError
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.factories import make_organisation, make_startup

HEADER = "type;reference;nature;intitule;partenaire;startups;date_fin;uo;signature_partenaire;signataire_partenaire;qualite_partenaire;signature_dinum;signataire_dinum;qualite_dinum;annee;ae;cp;ae_mises_a_disposition;cp_mis_a_disposition;date_mise_a_disposition;startup;numero;titulaire;montant;date_engagement;activite;ressource\n"


def line(**values) -> str:
    return ";".join(values.get(name, "") for name in HEADER.strip().split(";")) + "\n"


def world():
    make_organisation(id="csm", name="Conseil supérieur de la magistrature")
    make_startup(id="fondation", name="Fondation")


def convention_line(reference="CSM-2024", **extra):
    return line(type="convention", reference=reference, nature="delegation", intitule="Délégation CSM", partenaire="csm",
                startups="fondation", date_fin="2024-12-31", uo="0335-CCSM-C001", signature_partenaire="2024-01-16",
                signataire_partenaire="SG", qualite_partenaire="Ordonnateur secondaire", signature_dinum="2024-01-16",
                signataire_dinum="Directeur", qualite_dinum="Directeur", **extra)


def order_line(number, amount, reference="CSM-2024"):
    return line(type="commande", reference=reference, startup="fondation", numero=number, titulaire="Titulaire",
                montant=amount, date_engagement="2024-03-01", activite="developpement", ressource="prestations")


def test_a_good_file_then_a_rerun_that_writes_nothing(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000",
                    cp="42000", ae_mises_a_disposition="42000", cp_mis_a_disposition="42000",
                    date_mise_a_disposition="2024-02-01") + order_line("BC-1", "40000"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    assert not report.rejected and report.created == {"convention": 1, "annee": 1, "commande": 1}
    convention = db.session.scalars(sa.select(Convention)).one()
    assert convention.is_signed and convention.chorus_uo == "0335-CCSM-C001" and len(convention.orders) == 1
    again = importer.import_file(path, today=TODAY)
    assert not again.rejected and sum(again.created.values()) == 0 and again.unchanged["commande"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


def test_a_bad_line_is_rejected_alone_with_its_number_and_reason(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000",
                    cp="42000", ae_mises_a_disposition="42000", cp_mis_a_disposition="42000",
                    date_mise_a_disposition="2024-02-01")
                    + order_line("BC-1", "40000") + order_line("BC-2", "5000") + order_line("BC-3", "douze")
                    + order_line("BC-4", "2000") + line(type="commande", reference="INCONNUE")
                    + convention_line("AUTRE").replace("0335-CCSM-C001", "0335 CCSM"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    reasons = dict(report.rejected)
    assert set(reasons) == {5, 6, 8, 9}
    assert "> 42\u202f000\u00a0€ d'AE mises à disposition pour 2024" in reasons[5]
    assert "douze" in reasons[6] and "aucune convention INCONNUE" in reasons[8] and "mal formée" in reasons[9]
    assert report.created["commande"] == 2  # BC-1 and BC-4: 42 000 € engaged, exactly the AE released
    summary = importer.summary(report).splitlines()
    assert summary[3].startswith("Bons de commande") and summary[3].split()[-1] == "3"
    assert "Ligne 5 rejetée : Engagé 40" in importer.summary(report)


def test_an_unreadable_file_exits_2_and_a_partial_one_1(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["conventions", "import", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2 and "illisible" in result.output
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("type;reference\nconvention;Référence\n".encode("latin-1"))
    assert runner.invoke(args=["conventions", "import", str(bad)]).exit_code == 2
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("type;reference;couleur\n", encoding="utf-8")
    result = runner.invoke(args=["conventions", "import", str(wrong)])
    assert result.exit_code == 2 and "couleur" in result.output


def test_the_template_is_a_file_the_import_reads(app, tmp_path, client):
    world()
    path = tmp_path / "modele.csv"
    path.write_text(importer.template_csv(), encoding="utf-8")
    report = importer.import_file(path, today=dt.date(2024, 11, 27))
    assert not report.rejected and report.created["commande"] == 1


def test_seed_demo_loads_the_seed_convention_once(app):
    from conventions.demo import SEED_REFERENCE, seed_demo_conventions

    make_organisation(id="csm", name="Conseil supérieur de la magistrature")
    make_startup(id="fondation", name="Fondation")
    seed_demo_conventions(today=dt.date(2026, 11, 27))
    seed_demo_conventions(today=dt.date(2026, 11, 27))
    seed = db.session.scalars(sa.select(Convention).where(Convention.reference == SEED_REFERENCE)).one()
    assert seed.chorus_centre_cout == "DSJCSM1075" and seed.signed_on == dt.date(2024, 1, 16)
    assert seed.year(2024).ae_planned_cents == 4_200_000 and seed.ends_on == dt.date(2024, 12, 31)


def test_the_published_conventions_export_as_csv(client):
    from conventions import services
    from tests.conventions.builders import EUR, order, seed_convention

    convention, startup, finance = seed_convention()
    order(convention, startup, finance, 40_000 * EUR + 50)
    assert client.get("/conventions/export.csv").get_data(as_text=True).count("\n") == 1  # the header only
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/")
    lines = client.get("/conventions/export.csv").get_data(as_text=True).splitlines()
    row = dict(zip(lines[0].split(";"), lines[1].split(";")))
    assert row["uo"] == "0335-CCSM-C001" and row["annee"] == "2024" and row["ae_prevues"] == "42000.00"
    assert row["engage"] == "40000.50" and row["signee_le"] == "2024-01-16" and row["startups"] == startup.id


@pytest.mark.parametrize("today", [dt.date(2026, 11, 27), dt.date(2027, 1, 13), dt.date(2028, 2, 29), dt.date(2026, 7, 1)])
def test_the_demo_conventions_hold_a_quote_ordered_one_waiting_and_a_fast_grant(app, today):
    from conventions.demo import seed_demo_conventions
    from conventions.models import FastGrant, Quote, QuoteState

    sponsor = make_organisation(name="Ministère de la Démonstration")
    make_startup(name="Startup démo", sponsors=[sponsor], phases=[("construction", dt.date(2020, 1, 1))])
    seed_demo_conventions(today=today)
    quotes = db.session.scalars(sa.select(Quote).order_by(Quote.reference)).all()
    assert [(q.status(today), q.order is not None) for q in quotes] == [(QuoteState.ACCEPTED, True), (QuoteState.RECEIVED, False)]
    (grant,) = db.session.scalars(sa.select(FastGrant)).all()
    assert grant.year == today.year and grant.ae_cents == 10_000_000


def test_a_line_too_long_or_with_a_control_character_is_rejected_alone(app, tmp_path):
    """On PostgreSQL a 389-character activites (the column holds 200) or a NUL once failed the whole import
    with a traceback; on SQLite a NUL, a BEL or an ESC was stored in a title, a reference or a holder."""
    world()
    path = tmp_path / "conventions.csv"
    long_activites = ",".join(["033501010101"] * 30)
    path.write_text(
        "type;reference;intitule;partenaire;startups;date_fin;activites;startup;numero;titulaire;montant;"
        "date_engagement;activite;ressource\n"
        "convention;BONNE;Bonne ligne;csm;fondation;2024-12-31;;;;;;;;\n"
        f"convention;LONGUE;Longue;csm;fondation;2024-12-31;{long_activites};;;;;;;\n"
        "convention;NUL;Titre\x00avec NUL\x07;csm;fondation;2024-12-31;;;;;;;;\n"
        "convention;CTRL\x1b[31m;Échappement;csm;fondation;2024-12-31;;;;;;;;\n"
        "commande;BONNE;;;;;;fondation;BC-1;Titu\x07laire;10;2024-03-01;developpement;prestations\n"
        "convention;BONNE-2;Bonne ligne 2;csm;fondation;2024-12-31;;;;;;;;\n", encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    reasons = dict(report.rejected)
    assert sorted(reasons) == [3, 4, 5, 6]
    assert reasons[3] == "Référence Chorus « activité(s) » : 200 caractères au plus (389 saisis)."
    assert reasons[4] == "la colonne intitule contient le caractère de contrôle U+0000 : une valeur tient sur une ligne."
    assert reasons[5].startswith("la colonne reference contient le caractère de contrôle U+001B")
    assert reasons[6].startswith("la colonne titulaire contient le caractère de contrôle U+0007")
    assert sorted(db.session.scalars(sa.select(Convention.reference))) == ["BONNE", "BONNE-2"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_the_services_refuse_control_characters_and_overlong_texts_whatever_calls_them(app):
    convention, startup, actor = seed_convention()
    with pytest.raises(ConventionError, match="« Le titulaire du marché » doit tenir sur une ligne"):
        order(convention, startup, actor, 1_000 * EUR, number="BC-1", holder="Titu\x1blaire")
    with pytest.raises(ConventionError, match="« L'objet » ne peut pas contenir le caractère de contrôle U\\+0000"):
        order(convention, startup, actor, 1_000 * EUR, number="BC-1", description="Ligne 1\nLigne\x00 2")
    with pytest.raises(ConventionError, match="L'objet dépasse 5000 caractères"):
        order(convention, startup, actor, 1_000 * EUR, number="BC-1", description="x" * 5001)
    with pytest.raises(ConventionError, match="« Le motif » ne peut pas contenir"):
        amendments.suspend(convention, on=dt.date(2024, 10, 1), reason="Crédits\x07", actor=actor, today=TODAY)
    bc = order(convention, startup, actor, 1_000 * EUR, number="BC-1", description="Ligne 1\nLigne 2")
    assert bc.description == "Ligne 1\nLigne 2" and convention.suspended_on is None


def test_a_column_named_twice_refuses_the_file_naming_it(app, tmp_path):
    """« reference » twice in the header was read as the last one (RV-DUPB), the first one's value lost unseen."""
    world()
    path = tmp_path / "double.csv"
    path.write_text("type;reference;reference;intitule;partenaire;startups;date_fin\n"
                    "convention;CSM-A;CSM-B;Délégation;csm;fondation;2024-12-31\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["conventions", "import", str(path), "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    assert "Colonnes en double : reference ; chacune ne figure qu'une fois dans l'en-tête" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Convention)) == 0


def test_an_order_number_twice_in_the_file_rejects_the_second_line_naming_the_first(app, tmp_path):
    """The second line of BC-2 (999 € instead of 10 €) was counted « inchangée », its amount lost unseen; and
    when the first line was refused, the second one was imported in its place."""
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000",
                    cp="42000", ae_mises_a_disposition="42000", cp_mis_a_disposition="42000",
                    date_mise_a_disposition="2024-02-01")
                    + order_line("BC-2", "10") + order_line("BC-2", "999")
                    + order_line("BC-3", "50000") + order_line("BC-3", "20"), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["conventions", "import", str(path), "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "Ligne 5 rejetée : le bon de commande n° BC-2 de la convention CSM-2024 figure déjà ligne 4." in result.output
    assert "Ligne 6 rejetée : Engagé 10\u00a0€ + 50\u202f000\u00a0€ > 42\u202f000\u00a0€" in result.output
    assert "Ligne 7 rejetée : le bon de commande n° BC-3 de la convention CSM-2024 figure déjà ligne 6." in result.output
    assert result.output.splitlines()[3].split() == ["Bons", "de", "commande", "1", "0", "3"]
    assert [(o.number, o.amount_cents) for o in db.session.scalars(sa.select(Order))] == [("BC-2", 10 * EUR)]


def test_a_known_order_with_another_amount_is_rejected_not_counted_unchanged(app, tmp_path):
    world()
    first, second = tmp_path / "premier.csv", tmp_path / "second.csv"
    head = HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000", cp="42000",
                                             ae_mises_a_disposition="42000", cp_mis_a_disposition="42000",
                                             date_mise_a_disposition="2024-02-01")
    first.write_text(head + order_line("BC-1", "10") + order_line("BC-2", "20"), encoding="utf-8")
    second.write_text(head + order_line("BC-1", "10") + order_line("BC-2", "999"), encoding="utf-8")
    assert not importer.import_file(first, today=TODAY).rejected
    report = importer.import_file(second, today=TODAY)
    assert report.unchanged["commande"] == 1 and dict(report.rejected) == {5: (
        "le bon de commande n° BC-2 est déjà enregistré sur la convention CSM-2024 (20\u00a0€ engagés le 1er mars 2024 "
        "pour « fondation ») et l'import ne le modifie pas : la ligne dit 999\u00a0€ le 1er mars 2024 pour « fondation ».")}
    assert sorted(db.session.scalars(sa.select(Order.amount_cents))) == [10 * EUR, 20 * EUR]


def year_line(year, ae="42000", cp="42000", reference="CSM-2024", **extra):
    return line(type="annee", reference=reference, annee=year, ae=ae, cp=cp, **extra)


def test_a_bad_year_line_is_rejected_alone_and_the_convention_imported_with_its_good_years(app, tmp_path):
    """A year after the convention's end (2029 for a convention ending in 2024) rejected the convention line
    too, under the convention's number, and the good year was told « la convention a été rejetée »."""
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + year_line("2024", ae_mises_a_disposition="42000",
                    cp_mis_a_disposition="42000", date_mise_a_disposition="2024-02-01")
                    + year_line("2029") + year_line("2023", ae="-5") + year_line("2023", ae="5")
                    + order_line("BC-1", "40000"), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["conventions", "import", str(path), "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    rejected = [text for text in result.output.splitlines() if text.startswith("Ligne ")]
    signed = ("La convention CSM-2024 est importée sans cette ligne : signée, son échéancier n'est donc pas celui de "
              "la convention signée, et ne se complète plus que par avenant.")
    assert rejected == [
        "Ligne 4 rejetée : L'année 2029 de l'échéancier est après la fin de la convention (31 décembre 2024). " + signed,
        "Ligne 5 rejetée : Le montant ae ne peut pas être négatif. " + signed,
        "Ligne 6 rejetée : l'année 2023 figure déjà ligne 5."]
    assert result.output.splitlines()[1].split() == ["Conventions", "1", "0", "0"]
    convention = db.session.scalars(sa.select(Convention)).one()
    assert [y.year for y in convention.years] == [2024] and convention.is_signed and len(convention.orders) == 1

    # The line corrected and the file run again: the convention is known, the import does not add the year.
    path.write_text(HEADER + convention_line() + year_line("2024") + year_line("2023", ae="41000"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    assert report.unchanged == {"convention": 1, "annee": 1} and dict(report.rejected) == {4: (
        "l'année 2023 n'est pas dans l'échéancier de la convention CSM-2024 déjà enregistrée, et l'import ne modifie "
        "pas une convention connue : ajoutez-la sur la page de la convention (par avenant une fois signée).")}


def test_a_bad_year_line_of_a_draft_says_the_year_is_added_on_its_page(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    draft = line(type="convention", reference="BROUILLON", intitule="Brouillon", partenaire="csm", startups="fondation",
                 date_fin="2025-06-30")
    path.write_text(HEADER + draft + year_line("2025", reference="BROUILLON") + year_line("2026", reference="BROUILLON")
                    + year_line("20x5", reference="BROUILLON"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    draft_note = "La convention BROUILLON est importée sans cette ligne, en brouillon : l'année s'ajoute sur sa page."
    assert dict(report.rejected) == {
        4: f"L'année 2026 de l'échéancier est après la fin de la convention (30 juin 2025). {draft_note}",
        5: f"l'année « 20x5 » n'est pas une année. {draft_note}"}
    assert report.created == {"convention": 1, "annee": 1}
    assert [y.year for y in db.session.scalars(sa.select(Convention)).one().years] == [2025]


def test_a_rejected_convention_names_its_line_to_its_good_years(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line().replace("csm", "inconnue") + year_line("2024") + year_line("2030"),
                    encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    assert dict(report.rejected) == {
        2: "l'organisation partenaire « inconnue » est inconnue.",
        3: "la convention CSM-2024 (ligne 2) a été rejetée.",
        4: "L'année 2030 de l'échéancier est après la fin de la convention (31 décembre 2024)."}


def test_orders_engaged_together_are_each_checked_against_the_ones_before_them(app):
    """The import engages a convention's orders in one batch (one lock, the figures carried from order to order)
    instead of reading every order again for each one; the ceilings still hold order by order."""
    from conventions import spending
    from conventions.models import Activity, Resource

    convention, startup, actor = seed_convention()
    orders = [{"startup": startup, "number": number, "holder": "Titulaire", "amount_cents": amount * EUR,
               "engaged_on": dt.date(2024, 3, 1), "activity": Activity.DEVELOPMENT, "resource": Resource.SERVICES}
              for number, amount in (("BC-1", 30_000), ("BC-2", 15_000), ("BC-1", 1), ("BC-3", 12_000))]
    results = spending.engage_orders(convention, orders, actor=actor, today=TODAY)
    assert [r.message if isinstance(r, ConventionError) else r.number for r in results] == [
        "BC-1", "Engagé 30\u202f000\u00a0€ + 15\u202f000\u00a0€ > 42\u202f000\u00a0€ d'AE mises à disposition pour 2024.",
        "Le bon de commande n° BC-1 existe déjà sur cette convention.", "BC-3"]
    assert sorted(o.number for o in convention.orders) == ["BC-1", "BC-3"]
    with pytest.raises(ConventionError, match="Engagé 42\u202f000\u00a0€ \\+ 0,01\u00a0€ > 42\u202f000\u00a0€"):
        order(convention, startup, actor, 1, number="BC-4")
