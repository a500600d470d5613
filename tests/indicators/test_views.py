import datetime as dt
import html
import io
import json
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core import clock
from core.db import db
from indicators import queries, services
from indicators.models import Category, Indicator, IndicatorValue, Objective, StartupBudget
from tests.factories import login, make_incubator, make_membership, make_person, make_startup

PAST = dt.date(2026, 3, 1)  # well before any wall-clock "today" these tests may run on


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


@pytest.fixture
def team(client):
    """A startup with an intrapreneur logged in on the client."""
    startup = make_startup(name="Démarches Simplifiées", incubator=make_incubator())
    person = make_person()
    make_membership(person, startup, "intrapreneur")
    login(client, person)
    return startup, person


def values_of(indicator_id):
    db.session.expire_all()
    return {v.period_start: v.value for v in db.session.scalars(
        sa.select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id))}


# --- Permissions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "/new", "/values", "/import", "/import/modele.csv", "/budget"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    startup = make_startup()
    response = client.get(f"/indicators/{startup.id}{path}")
    assert response.status_code == 303
    assert "/users/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["", "/new", "/values", "/import", "/budget"])
def test_a_member_of_another_startup_is_refused(client, path):
    startup, other = make_startup(), make_startup()
    person = make_person()
    make_membership(person, other, "intrapreneur")
    login(client, person)
    assert client.get(f"/indicators/{startup.id}{path}").status_code == 403


def test_a_sponsor_reads_the_indicators_but_cannot_enter_values(client):
    startup = make_startup()
    person = make_person()
    make_membership(person, startup, "sponsor")
    login(client, person)
    page = client.get(f"/indicators/{startup.id}")
    assert page.status_code == 200
    assert "Saisir les valeurs" not in page.text
    assert client.get(f"/indicators/{startup.id}/values").status_code == 403
    assert client.post(f"/indicators/{startup.id}/propose").status_code == 403


def test_incubator_staff_and_admins_may_edit(client):
    from users.models import IncubatorStaff

    incubator = make_incubator()
    startup = make_startup(incubator=incubator)
    staff = make_person()
    db.session.add(IncubatorStaff(person=staff, incubator_id=incubator.id, starts_on=dt.date(2020, 1, 1)))
    db.session.flush()
    login(client, staff)
    assert client.get(f"/indicators/{startup.id}/values").status_code == 200
    login(client, make_person(is_admin=True))
    assert client.get(f"/indicators/{startup.id}/budget").status_code == 200


def test_an_indicator_of_another_startup_is_not_found(client, team):
    startup, _ = team
    foreign = services.create_indicator(make_startup(), name="Ailleurs", category=Category.USED)
    assert client.get(f"/indicators/{startup.id}/{foreign.id}/edit").status_code == 404
    assert client.get("/indicators/inconnue").status_code == 404


# --- Pages ----------------------------------------------------------------------------------------------

def test_a_startup_without_indicators_gets_the_mandatory_ones_proposed(client, team):
    startup, _ = team
    page = client.get(f"/indicators/{startup.id}")
    assert "Ajouter les indicateurs obligatoires" in page.text
    response = client.post(f"/indicators/{startup.id}/propose")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "7 indicateurs obligatoires" in page.text
    assert "Nombre d'utilisateurs actifs par mois" in html.unescape(page.text)
    assert client.post(f"/indicators/{startup.id}/propose", follow_redirects=True).text.count("déjà des indicateurs") == 1


def test_the_page_loads_the_chart_components_and_shows_the_north_star_first(client, team):
    startup, _ = team
    services.create_indicator(startup, name="Usagers", category=Category.USED)
    services.create_indicator(startup, name="Démarches publiées", category=Category.NORTH_STAR, is_north_star=True)
    page = client.get(f"/indicators/{startup.id}").text
    assert 'type="module" src="/static/vendor/dsfr-chart/DSFRChart.js?v=' in page  # versioned: core/static.py
    assert "DSFRChart.css" in page
    assert page.index("Démarches publiées") < page.index("Usagers")


def charts_and_tables(page: str) -> dict:
    """{caption: (chart series, table columns)} read back from the page's HTML."""
    found = {}
    charts = re.findall(r'<line-chart x="([^"]*)" y="([^"]*)" y-min="0" name="([^"]*)"', page)
    tables = re.findall(r"<table data-indicateur[^>]*>(.*?)</table>", page, re.S)
    assert len(charts) == len(tables)
    for (x, y, name), table in zip(charts, tables):
        x, y, name = (json.loads(html.unescape(a)) for a in (x, y, name))
        caption = html.unescape(re.search(r"<caption>(.*?)</caption>", table, re.S).group(1)).strip()
        rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', table, re.S)

        def number(text):
            text = html.unescape(text).strip()
            return None if text == "—" else Decimal(text.replace("\u202f", "").replace(",", "."))

        found[caption] = (x, y, name, [(html.unescape(p), number(v), number(o)) for p, v, o in rows])
    return found


def test_the_chart_and_its_table_carry_the_same_numbers(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    services.enter_values(startup, {(users.id, month("2026-01")): "1234,5", (users.id, month("2026-02")): "1300",
                                    (users.id, month("2026-03")): "0,25"}, today=PAST)
    services.set_objective(users, target_value=Decimal("2000"), target_on=dt.date(2026, 6, 30))
    services.set_objective(users, target_value=Decimal("1250"), target_on=dt.date(2026, 2, 28))
    page = client.get(f"/indicators/{startup.id}").text
    x, y, name, rows = charts_and_tables(page)["Valeurs et objectifs — Usagers"]
    assert name == ["Valeur", "Objectif"]
    # The table lists the periods with data; the chart's time axis has every month, April and May empty.
    assert [p for p, _, _ in rows] == ["janvier 2026", "février 2026", "mars 2026", "juin 2026"]
    assert x[0] == x[1] == ["janvier 2026", "février 2026", "mars 2026", "avril 2026", "mai 2026", "juin 2026"]
    points = {period: (value, objective) for period, value, objective in zip(x[0], y[0], y[1])}
    assert points["avril 2026"] == points["mai 2026"] == (None, None)
    assert [tuple(None if v is None else Decimal(str(v)) for v in points[p]) for p, _, _ in rows] == \
        [(v, o) for _, v, o in rows] == [(Decimal("1234.5"), None), (Decimal("1300"), Decimal("1250")),
                                         (Decimal("0.25"), None), (None, Decimal("2000"))]
    assert "1\u202f234,5" in page


def test_the_cost_per_use_and_its_trend_are_shown(client, team):
    startup, _ = team
    services.propose_mandatory(startup)
    users = next(i for i in queries.indicators_of(startup) if i.name == services.ACTIVE_USERS_NAME)
    services.set_budget(startup, year=2026, amount_eur=600_000)
    services.enter_values(startup, {(users.id, month("2026-01")): "1000", (users.id, month("2026-02")): "1500"},
                          today=PAST)
    raw = client.get(f"/indicators/{startup.id}").text
    page = html.unescape(raw)
    assert "400\u00a0€ par utilisateur actif en février 2026" in page
    assert "En amélioration" in page
    x, y, name, rows = charts_and_tables(raw)[
        "Valeurs — Coût à l'utilisation (budget annuel / utilisateurs actifs par mois)"]
    assert y == [[600, 400]] and [v for _, v, _ in rows] == [Decimal("600"), Decimal("400")]


# --- Values grid ---------------------------------------------------------------------------------------

def test_the_values_grid_shows_six_months_and_a_month_picker(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    services.enter_values(startup, {(users.id, month("2026-02")): "42"}, today=PAST)
    page = client.get(f"/indicators/{startup.id}/values?fin=2026-03").text
    assert page.count('<th scope="col">') == 7
    assert "octobre 2025" in page and "mars 2026" in page and "septembre 2025" not in page
    assert f'name="v-{users.id}-2026-02"' in page and 'value="42"' in page
    assert 'type="month"' in page


def test_the_values_grid_saves_everything_or_nothing_with_messages_per_cell(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    rate = services.create_indicator(startup, name="Satisfaction", category=Category.USEFUL)
    response = client.post(f"/indicators/{startup.id}/values", data={
        "fin": "2026-03", f"v-{users.id}-2026-02": "12", f"v-{rate.id}-2026-02": "beaucoup",
        f"v-{rate.id}-2026-03": "-3"})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "« beaucoup » n'est pas un nombre." in page
    assert "« Satisfaction » ne peut pas être négatif." in page
    assert "2 cases à corriger : rien n'a été enregistré." in page
    assert 'value="beaucoup"' in page  # what was typed stays in the cell
    assert values_of(users.id) == {}

    response = client.post(f"/indicators/{startup.id}/values", data={
        "fin": "2026-03", f"v-{users.id}-2026-02": "12", f"v-{rate.id}-2026-02": "87,5"})
    assert response.status_code == 303
    assert values_of(users.id) == {month("2026-02"): Decimal("12")}
    assert values_of(rate.id) == {month("2026-02"): Decimal("87.5")}


def test_a_value_in_a_future_month_is_refused(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    future = clock.today().replace(day=1) + dt.timedelta(days=40)
    response = client.post(f"/indicators/{startup.id}/values",
                           data={f"v-{users.id}-{future.strftime('%Y-%m')}": "5"})
    assert response.status_code == 422
    assert "dans le futur" in response.text
    assert values_of(users.id) == {}


# --- CSV import ------------------------------------------------------------------------------------------

def upload(client, startup, data: bytes):
    return client.post(f"/indicators/{startup.id}/import",
                       data={"file": (io.BytesIO(data), "valeurs.csv")}, content_type="multipart/form-data")


def test_a_good_csv_is_imported_through_the_page(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    data = "\ufeffindicateur;période;valeur;commentaire\nUsagers;2026-01;1 500,5;janvier\n".encode("utf-8")
    response = upload(client, startup, data)
    assert response.status_code == 303
    assert values_of(users.id) == {month("2026-01"): Decimal("1500.5")}
    assert "1 valeur importée." in client.get(response.headers["Location"]).text


def test_a_bad_csv_lists_its_lines_and_imports_nothing(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    data = b"indicateur,periode,valeur\nUsagers,2026-01,10\nUsagers,2026-13,11\nInconnu,2026-01,3\n"
    response = upload(client, startup, data)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "2 lignes en erreur : aucune valeur n'a été importée." in page
    assert re.search(r'<th scope="row">3</th><td>« 2026-13 » n\'est pas une période', page)
    assert re.search(r'<th scope="row">4</th><td>Indicateur inconnu : « Inconnu ».', page)
    assert values_of(users.id) == {}


def test_an_upload_without_a_file_gets_a_message(client, team):
    startup, _ = team
    response = client.post(f"/indicators/{startup.id}/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choisissez un fichier CSV." in response.text


def test_the_csv_template_is_downloadable(client, team):
    startup, _ = team
    services.create_indicator(startup, name="Usagers", category=Category.USED)
    response = client.get(f"/indicators/{startup.id}/import/modele.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "indicateur;période;valeur;commentaire"
    assert text.splitlines()[1].startswith("Usagers;")


# --- Definitions, objectives, budgets ----------------------------------------------------------------------

def test_an_indicator_is_created_edited_and_archived_through_the_pages(client, team):
    startup, _ = team
    assert "Catégorie" in client.get(f"/indicators/{startup.id}/new").text
    response = client.post(f"/indicators/{startup.id}/new", data={
        "name": "Dossiers traités", "category": "north_star", "direction": "higher", "frequency": "monthly",
        "kind": "manual", "unit": "dossiers", "is_north_star": "y"})
    assert response.status_code == 303
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.startup_id == startup.id))
    assert indicator.is_north_star and indicator.unit == "dossiers"
    page = client.get(f"/indicators/{startup.id}/{indicator.id}/edit").text
    assert 'value="Dossiers traités"' in html.unescape(page)
    response = client.post(f"/indicators/{startup.id}/{indicator.id}/edit", data={
        "name": "Dossiers instruits", "category": "utilise", "direction": "higher", "frequency": "quarterly",
        "kind": "manual"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (indicator.name, indicator.frequency.value, indicator.is_north_star) == ("Dossiers instruits", "quarterly", True)
    assert client.post(f"/indicators/{startup.id}/{indicator.id}/archive").status_code == 303
    db.session.expire_all()
    assert indicator.archived_at is not None
    assert f'id="indicateur-{indicator.id}"' not in client.get(f"/indicators/{startup.id}").text


def test_a_duplicate_name_gets_a_french_message(client, team):
    startup, _ = team
    services.create_indicator(startup, name="Usagers", category=Category.USED)
    response = client.post(f"/indicators/{startup.id}/new", data={
        "name": "usagers", "category": "utilise", "direction": "higher", "frequency": "monthly", "kind": "manual"})
    assert response.status_code == 422
    assert "La startup a déjà un indicateur nommé « Usagers »." in html.unescape(response.text)
    # At the name too, which points to it; not at the other fields.
    assert 'id="name-erreur"' in response.text and 'aria-describedby="name-erreur"' in response.text
    assert 'id="source_url-erreur"' not in response.text


def test_the_north_star_moves_with_its_button(client, team):
    startup, _ = team
    first = services.create_indicator(startup, name="A", category=Category.USED, is_north_star=True)
    second = services.create_indicator(startup, name="B", category=Category.USED)
    assert client.post(f"/indicators/{startup.id}/{second.id}/north-star").status_code == 303
    db.session.expire_all()
    assert queries.north_star(startup).id == second.id and not db.session.get(Indicator, first.id).is_north_star


def test_an_objective_is_set_through_its_form(client, team):
    startup, person = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    response = client.post(f"/indicators/{startup.id}/{users.id}/objectives",
                           data={"target_value": "2 500,5", "target_on": "2027-05-31"})
    assert response.status_code == 303
    objective = db.session.scalar(sa.select(Objective).where(Objective.indicator_id == users.id))
    assert (objective.target_value, objective.target_on, objective.set_by_id) == \
        (Decimal("2500.5"), dt.date(2027, 5, 31), person.id)
    bad = client.post(f"/indicators/{startup.id}/{users.id}/objectives", data={"target_value": "x", "target_on": ""})
    assert bad.status_code == 422
    assert "« x » n'est pas un nombre." in html.unescape(bad.text)
    assert "La date cible est obligatoire." in bad.text


def test_a_budget_is_entered_through_its_form(client, team):
    startup, _ = team
    assert client.post(f"/indicators/{startup.id}/budget", data={"year": "2026", "amount_eur": "600 000"}).status_code == 303
    assert db.session.scalar(sa.select(StartupBudget.amount_eur).where(StartupBudget.startup_id == startup.id)) == 600_000
    bad = client.post(f"/indicators/{startup.id}/budget", data={"year": "2026", "amount_eur": "beaucoup"})
    assert bad.status_code == 422
    assert "« beaucoup » n'est pas un nombre entier." in html.unescape(bad.text)


@pytest.mark.parametrize("blank", [" ", "\u00a0", "\u3000", " \t "])
def test_a_budget_whose_year_or_amount_is_only_whitespace_is_refused_as_missing(client, team, blank):
    """Found by the forms' fuzzer: « » passed InputRequired, was parsed as no number, and reached the
    database as a NULL year (a 500)."""
    startup, _ = team
    for data, message in (({"year": blank, "amount_eur": "3"}, "L'année est obligatoire."),
                          ({"year": "2026", "amount_eur": blank}, "Le montant est obligatoire.")):
        bad = client.post(f"/indicators/{startup.id}/budget", data=data)
        assert bad.status_code == 422
        assert message in html.unescape(bad.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StartupBudget)) == 0


def test_a_cost_per_use_not_yet_computed_says_what_it_needs(client, team):
    startup, _ = team
    services.propose_mandatory(startup)
    page = html.unescape(client.get(f"/indicators/{startup.id}").text)
    assert "Pas encore calculé (budget annuel et utilisateurs actifs nécessaires)." in page
    assert "Aucune valeur saisie." in page  # the indicators typed in by the team


def test_the_cost_per_use_keeps_its_euro_sign_on_its_line(client, team):
    startup, _ = team
    services.propose_mandatory(startup)
    users = next(i for i in queries.indicators_of(startup) if i.name == services.ACTIVE_USERS_NAME)
    services.set_budget(startup, year=2026, amount_eur=600_000)
    services.enter_values(startup, {(users.id, month("2026-02")): "1500"}, today=PAST)
    raw = client.get(f"/indicators/{startup.id}").text
    assert "400&nbsp;€ par utilisateur actif" in raw and "1\u202f500&nbsp;utilisateurs actifs" in raw


def test_the_budget_hint_shows_an_amount_that_can_be_typed(client, team):
    startup, _ = team
    page = html.unescape(client.get(f"/indicators/{startup.id}/budget").text)
    assert "En euros, sans espace ni centimes : 120000" in page


def test_an_implausible_budget_or_objective_is_refused_by_its_form_with_the_bounds(client, team):
    startup, _ = team
    bad = client.post(f"/indicators/{startup.id}/budget", data={"year": "2026", "amount_eur": "99999999999999999999"})
    assert bad.status_code == 422
    assert ("« Budget annuel (en euros) » : la valeur doit être comprise entre 0\u00a0€ et 100\u202f000\u202f000\u00a0€."
            in html.unescape(bad.text))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StartupBudget)) == 0
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    for day in ("3000-01-01", "2001-01-01"):
        bad = client.post(f"/indicators/{startup.id}/{users.id}/objectives", data={"target_value": "10", "target_on": day})
        assert bad.status_code == 422
        assert "« Date cible » : la date doit être comprise entre le 1er janvier 2013 et le " in html.unescape(bad.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objective)) == 0


def test_the_objective_service_refuses_a_date_one_day_past_its_window(team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    now = dt.datetime(2026, 12, 5, 10, tzinfo=dt.timezone.utc)
    services.set_objective(users, target_value=Decimal(1), target_on=dt.date(2029, 12, 5), now=now)
    services.set_objective(users, target_value=Decimal(1), target_on=dt.date(2013, 1, 1), now=now)
    for day in (dt.date(2029, 12, 6), dt.date(2012, 12, 31)):
        with pytest.raises(services.IndicatorError, match="entre le 1er janvier 2013 et le 5 décembre 2029"):
            services.set_objective(users, target_value=Decimal(1), target_on=day, now=now)


def test_an_objective_is_corrected_or_deleted_by_the_team_and_audited(client, team):
    from audit.models import AuditEvent

    startup, person = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    objective = services.set_objective(users, target_value=Decimal("25000"), target_on=dt.date(2027, 6, 30))
    db.session.commit()
    base = f"/indicators/{startup.id}/{users.id}/objectives/{objective.id}"
    assert "Corriger ou supprimer" in client.get(f"/indicators/{startup.id}/{users.id}/objectives").text
    page = client.get(f"{base}/edit")
    assert page.status_code == 200 and "25\u202f000" in page.text
    bad = client.post(f"{base}/edit", data={"target_value": "2500", "target_on": "3000-01-01"})
    assert bad.status_code == 422 and "« Date cible » : la date doit être comprise" in html.unescape(bad.text)
    assert client.post(f"{base}/edit", data={"target_value": "2 500", "target_on": "2027-06-30",
                                             "comment": "erreur de saisie"}).status_code == 303
    db.session.expire_all()
    objective = db.session.get(Objective, objective.id)
    assert (objective.target_value, objective.comment) == (Decimal("2500"), "erreur de saisie")
    assert client.post(f"{base}/delete").status_code == 303
    assert db.session.get(Objective, objective.id) is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("indicator.objective_%"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("indicator.objective_edited", person.id),
                                                        ("indicator.objective_deleted", person.id)]
    assert events[0].before["target_value"] in ("25000", 25000, "25000.0000") and events[1].before["comment"] == "erreur de saisie"


def test_an_objective_a_committee_set_stays_as_the_committee_set_it_only_an_admin_corrects_it(client, team):
    startup, person = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    objective = services.set_objective(users, target_value=Decimal("4000"), target_on=dt.date(2027, 6, 30), committee_id=77)
    db.session.commit()
    base = f"/indicators/{startup.id}/{users.id}/objectives/{objective.id}"
    listing = client.get(f"/indicators/{startup.id}/{users.id}/objectives").text
    assert "Fixé par le comité : il reste tel quel" in listing and "Corriger ou supprimer" not in listing
    refused = client.get(f"{base}/edit", follow_redirects=True)
    assert "fixé par un comité : seul un administrateur peut le corriger" in html.unescape(refused.text)
    assert client.post(f"{base}/edit", data={"target_value": "40", "target_on": "2027-06-30"}).status_code == 303
    deleted = client.post(f"{base}/delete", follow_redirects=True)
    assert "fixé par un comité" in html.unescape(deleted.text)
    db.session.expire_all()
    kept = db.session.get(Objective, objective.id)
    assert kept is not None and kept.target_value == Decimal("4000")
    with pytest.raises(services.IndicatorError, match="fixé par un comité"):
        services.delete_objective(kept, actor=person)

    login(client, make_person("Ada Admin", is_admin=True))
    assert client.post(f"{base}/edit", data={"target_value": "400", "target_on": "2027-06-30",
                                             "comment": "faute de frappe au comité"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Objective, objective.id).target_value == Decimal("400")


def test_an_outsider_cannot_correct_an_objective(client, team):
    startup, _ = team
    users = services.create_indicator(startup, name="Usagers", category=Category.USED)
    objective = services.set_objective(users, target_value=Decimal("10"), target_on=dt.date(2027, 6, 30))
    db.session.commit()
    login(client, make_person("Quelqu'un d'autre"))
    base = f"/indicators/{startup.id}/{users.id}/objectives/{objective.id}"
    assert client.get(f"{base}/edit").status_code == 403
    assert client.post(f"{base}/delete").status_code == 403
    assert db.session.get(Objective, objective.id) is not None


def test_the_team_sets_how_often_its_values_are_asked_for_audited(client, team):
    from audit.models import AuditEvent
    from indicators.models import IndicatorReporting, Reporting

    startup, person = team
    page = client.get(f"/indicators/{startup.id}").text
    assert "Demande des valeurs à l'équipe" in page and 'value="mensuelle" selected' in page
    response = client.post(f"/indicators/{startup.id}/reporting", data={"frequence": "trimestrielle"})
    assert response.status_code == 303
    assert queries.reporting_of(startup.id) is Reporting.QUARTERLY
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "indicator.reporting")).one()
    assert event.startup_id == startup.id
    # An unknown value is refused in French and changes nothing.
    response = client.post(f"/indicators/{startup.id}/reporting", data={"frequence": "hebdo"}, follow_redirects=True)
    assert "pas une fréquence de demande possible" in html.unescape(response.text)
    assert db.session.get(IndicatorReporting, startup.id).frequency is Reporting.QUARTERLY


def test_a_sponsor_cannot_change_the_reporting_frequency(client):
    startup = make_startup()
    person = make_person()
    make_membership(person, startup, "sponsor")
    login(client, person)
    assert "Valeurs demandées à l'équipe : chaque mois" in client.get(f"/indicators/{startup.id}").text
    assert client.post(f"/indicators/{startup.id}/reporting", data={"frequence": "aucune"}).status_code == 403
