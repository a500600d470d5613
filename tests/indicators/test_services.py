import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import db
from indicators import queries, services
from indicators.models import (
    Category, Direction, Frequency, Indicator, IndicatorKind, IndicatorValue, StartupBudget, Trend,
)
from indicators.services import CsvImportError, IndicatorError, ValuesError
from tests.factories import make_person, make_startup

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


def make_indicator(startup, name="Usagers", **fields):
    fields.setdefault("category", Category.USED)
    return services.create_indicator(startup, name=name, **fields)


def stored(indicator):
    db.session.expire_all()
    return {v.period_start: v.value for v in db.session.scalars(
        sa.select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))}


# --- North Star -----------------------------------------------------------------------------------------

def test_a_startup_has_one_north_star_at_most():
    startup = make_startup()
    first = make_indicator(startup, "Démarches", is_north_star=True)
    second = make_indicator(startup, "Usagers")
    services.set_north_star(second)
    db.session.expire_all()
    assert queries.north_star(startup).id == second.id
    assert db.session.get(Indicator, first.id).is_north_star is False


def test_the_database_refuses_a_second_north_star():
    startup = make_startup()
    make_indicator(startup, "Démarches", is_north_star=True)
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.add(Indicator(startup=startup, name="Autre", category=Category.USED, is_north_star=True))
            db.session.flush()


def test_the_north_star_comes_first_and_other_startups_keep_theirs():
    startup, other = make_startup(), make_startup()
    make_indicator(startup, "A")
    b = make_indicator(startup, "B", is_north_star=True)
    c = make_indicator(other, "C", is_north_star=True)
    assert [i.name for i in queries.indicators_of(startup)] == ["B", "A"]
    assert queries.north_star(other) is c and b.is_north_star


def test_an_archived_indicator_stops_being_the_north_star_and_cannot_become_it():
    startup = make_startup()
    indicator = make_indicator(startup, is_north_star=True)
    services.archive_indicator(indicator, now=NOW)
    assert queries.north_star(startup) is None
    with pytest.raises(IndicatorError, match="archivé"):
        services.set_north_star(indicator)


def test_two_indicators_of_a_startup_cannot_share_a_name():
    startup = make_startup()
    make_indicator(startup, "Usagers")
    with pytest.raises(IndicatorError, match="déjà un indicateur nommé"):
        make_indicator(startup, " usagers ")
    make_indicator(make_startup(), "Usagers")  # another startup may


def test_a_source_link_must_be_a_web_address():
    with pytest.raises(IndicatorError, match="http"):
        make_indicator(make_startup(), source_url="javascript:alert(1)")


# --- Mandatory indicators ----------------------------------------------------------------------------------

def test_the_mandatory_impact_matrix_indicators_are_proposed_to_a_startup_without_indicators():
    startup = make_startup()
    created = services.propose_mandatory(startup)
    names = {i.name: i for i in created}
    assert len(created) == 7
    assert {i.category for i in created} == {Category.USABLE, Category.USED, Category.USEFUL, Category.IMPACTFUL,
                                             Category.EFFICIENT}
    assert names["Nombre d'utilisateurs actifs par mois"].kind is IndicatorKind.ACTIVE_USERS
    cost = names["Coût à l'utilisation (budget annuel / utilisateurs actifs par mois)"]
    assert cost.kind is IndicatorKind.COST_PER_USE and cost.direction is Direction.LOWER
    assert all(i.is_mandatory for i in created)
    assert [i.name for i in queries.indicators_of(startup)][0] == "Note de facilité d'usage"


def test_the_mandatory_indicators_are_not_proposed_twice():
    startup = make_startup()
    make_indicator(startup)
    with pytest.raises(IndicatorError, match="déjà des indicateurs"):
        services.propose_mandatory(startup)


# --- Values grid ----------------------------------------------------------------------------------------------

def test_the_values_grid_stores_every_cell_with_decimal_comma():
    startup = make_startup()
    a, b = make_indicator(startup, "A"), make_indicator(startup, "B")
    changed = services.enter_values(startup, {
        (a.id, month("2026-09")): "1 234,5", (a.id, month("2026-10")): "1300",
        (b.id, month("2026-10")): "0.25", (b.id, month("2026-11")): "",
    }, today=TODAY)
    assert changed == 3
    assert stored(a) == {month("2026-09"): Decimal("1234.5"), month("2026-10"): Decimal("1300")}
    assert stored(b) == {month("2026-10"): Decimal("0.25")}
    assert isinstance(stored(a)[month("2026-09")], Decimal)


def test_each_value_entered_changed_or_cleared_is_in_the_audit_trail_with_what_it_was():
    startup = make_startup()
    a = make_indicator(startup, "Usagers")
    services.enter_values(startup, {(a.id, month("2026-09")): "1234"}, today=TODAY)
    services.enter_values(startup, {(a.id, month("2026-09")): "1300", (a.id, month("2026-10")): ""}, today=TODAY)
    services.enter_values(startup, {(a.id, month("2026-09")): ""}, today=TODAY)
    services.import_values_csv(startup, "indicateur;période;valeur\nUsagers;2026-10;7\n".encode(), today=TODAY)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "indicator.values")
                                .order_by(AuditEvent.id)).all()
    cell = lambda period, value: {"indicator": "Usagers", "period": period, "value": value, "comment": None}
    assert [(e.before["values"], e.after["values"]) for e in events] == [
        ([cell("2026-09-01", None)], [cell("2026-09-01", "1234")]),
        ([cell("2026-09-01", "1234")], [cell("2026-09-01", "1300")]),  # the empty October cell changed nothing
        ([cell("2026-09-01", "1300")], [cell("2026-09-01", None)]),
        ([cell("2026-10-01", None)], [cell("2026-10-01", "7")]),
    ]
    assert [e.after["changed"] for e in events] == [1, 1, 1, 1]


def test_the_values_grid_is_all_or_nothing_with_a_message_per_wrong_cell():
    startup = make_startup()
    a, b = make_indicator(startup, "A"), make_indicator(startup, "B")
    services.enter_values(startup, {(a.id, month("2026-08")): "5"}, today=TODAY)
    with pytest.raises(ValuesError) as caught:
        services.enter_values(startup, {
            (a.id, month("2026-08")): "7",  # good
            (a.id, month("2026-09")): "douze",
            (b.id, month("2026-12")): "3",
            (b.id, month("2026-10")): "-1",
        }, today=TODAY)
    cells = caught.value.cells
    assert cells[(a.id, month("2026-09"))] == "« douze » n'est pas un nombre."
    assert "décembre 2026 est dans le futur" in cells[(b.id, month("2026-12"))]
    assert "ne peut pas être négatif" in cells[(b.id, month("2026-10"))]
    assert (a.id, month("2026-08")) not in cells
    assert "3 cases à corriger" in caught.value.message
    assert stored(a) == {month("2026-08"): Decimal("5")}
    assert stored(b) == {}


def test_the_current_month_and_allowed_negatives_are_accepted():
    startup = make_startup()
    impact = make_indicator(startup, "Solde", allow_negative=True)
    services.enter_values(startup, {(impact.id, month("2026-11")): "-12,5"}, today=TODAY)
    assert stored(impact) == {month("2026-11"): Decimal("-12.5")}


def test_an_empty_cell_removes_the_value_of_its_period():
    startup = make_startup()
    a = make_indicator(startup, "A")
    services.enter_values(startup, {(a.id, month("2026-08")): "5", (a.id, month("2026-09")): "6"}, today=TODAY)
    services.enter_values(startup, {(a.id, month("2026-08")): "", (a.id, month("2026-09")): "6"}, today=TODAY)
    assert stored(a) == {month("2026-09"): Decimal("6")}


def test_a_quarterly_indicator_takes_values_on_the_first_month_of_a_quarter_only():
    startup = make_startup()
    q = make_indicator(startup, "Trimestriel", frequency=Frequency.QUARTERLY)
    with pytest.raises(ValuesError) as caught:
        services.enter_values(startup, {(q.id, month("2026-08")): "4"}, today=TODAY)
    assert "T3 2026" in caught.value.cells[(q.id, month("2026-08"))]
    services.enter_values(startup, {(q.id, month("2026-07")): "4"}, today=TODAY)
    assert stored(q) == {month("2026-07"): Decimal("4")}


def test_a_computed_indicator_cannot_be_entered():
    startup = make_startup()
    services.propose_mandatory(startup)
    cost = next(i for i in queries.indicators_of(startup) if i.kind is IndicatorKind.COST_PER_USE)
    with pytest.raises(ValuesError) as caught:
        services.enter_values(startup, {(cost.id, month("2026-10")): "3"}, today=TODAY)
    assert "calculé" in caught.value.cells[(cost.id, month("2026-10"))]


@pytest.mark.parametrize("text, message", [
    ("1,2.3", "pas les deux"), ("NaN", "n'est pas un nombre"), ("1e5", "n'est pas un nombre"),
    ("0,00001", "trop de décimales"), ("1" + "0" * 15, "trop grand"),
])
def test_bad_numbers_get_a_french_reason(text, message):
    with pytest.raises(ValueError, match=message):
        services.parse_decimal(text)


# --- CSV import -----------------------------------------------------------------------------------------------

def csv_startup():
    startup = make_startup()
    users = make_indicator(startup, "Utilisateurs actifs")
    rate = make_indicator(startup, "Taux de satisfaction", category=Category.USEFUL)
    return startup, users, rate


def test_a_csv_with_bom_semicolons_and_decimal_commas_is_imported():
    startup, users, rate = csv_startup()
    data = ("\ufeffIndicateur;Période;Valeur;Commentaire\r\n"
            "Utilisateurs actifs;2026-09;1 200;rentrée\r\n"
            "utilisateurs actifs;2026-10;1500;\r\n"
            "Taux de satisfaction;2026-10;87,5;enquête\r\n"
            "Taux de satisfaction;2026-11;;\r\n").encode("utf-8")
    result = services.import_values_csv(startup, data, today=TODAY)
    assert (result.written, result.ignored) == (3, 1)
    assert stored(users) == {month("2026-09"): Decimal("1200"), month("2026-10"): Decimal("1500")}
    assert stored(rate) == {month("2026-10"): Decimal("87.5")}
    assert db.session.scalar(sa.select(IndicatorValue.comment).where(
        IndicatorValue.indicator_id == users.id, IndicatorValue.period_start == month("2026-09"))) == "rentrée"


def test_a_csv_with_commas_and_no_bom_is_imported():
    startup, users, rate = csv_startup()
    data = b'indicateur,periode,valeur\nUtilisateurs actifs,2026-10,42\nTaux de satisfaction,2026-10,"87,5"\n'
    assert services.import_values_csv(startup, data, today=TODAY).written == 2
    assert stored(rate) == {month("2026-10"): Decimal("87.5")}


def test_an_import_overwrites_the_value_of_the_same_period():
    startup, users, _ = csv_startup()
    services.enter_values(startup, {(users.id, month("2026-10")): "10"}, today=TODAY)
    services.import_values_csv(startup, b"indicateur;periode;valeur\nUtilisateurs actifs;2026-10;11\n", today=TODAY)
    assert stored(users) == {month("2026-10"): Decimal("11")}


def test_a_bad_csv_reports_each_bad_row_with_its_line_and_writes_nothing():
    startup, users, rate = csv_startup()
    data = ("indicateur;période;valeur;commentaire\n"
            "Utilisateurs actifs;2026-09;100;\n"          # good, but the file is refused
            "Inconnu;2026-09;1;\n"                        # line 3
            "Utilisateurs actifs;09/2026;1;\n"            # line 4
            "Taux de satisfaction;2026-10;beaucoup;\n"    # line 5
            "Taux de satisfaction;2027-01;5;\n"           # line 6
            "\n"
            "Utilisateurs actifs;2026-09;101;\n"          # line 8: duplicate of line 2
            ).encode("utf-8")
    with pytest.raises(CsvImportError) as caught:
        services.import_values_csv(startup, data, today=TODAY)
    rows = dict(caught.value.rows)
    assert sorted(rows) == [3, 4, 5, 6, 8]
    assert rows[3] == "Indicateur inconnu : « Inconnu »."
    assert "AAAA-MM" in rows[4]
    assert "« beaucoup » n'est pas un nombre" in rows[5]
    assert "futur" in rows[6]
    assert "figure déjà ligne 2" in rows[8]
    assert stored(users) == {} and stored(rate) == {}


def test_a_csv_comment_with_a_control_character_or_too_long_is_refused_with_its_line():
    """A NUL (which PostgreSQL refuses: a 500 before), an escape, or a comment beyond 2 000 characters: the
    line is named and nothing is written; a comment on several lines (a quoted cell) is kept."""
    startup, users, rate = csv_startup()
    data = ("indicateur;période;valeur;commentaire\n"
            "Utilisateurs actifs;2026-09;100;a\x00b\n"
            "Utilisateurs actifs;2026-10;100;\x1b[31mrouge\n"
            f"Taux de satisfaction;2026-10;80;{'x' * 2001}\n").encode("utf-8")
    with pytest.raises(CsvImportError) as caught:
        services.import_values_csv(startup, data, today=TODAY)
    rows = dict(caught.value.rows)
    assert rows == {2: "Le commentaire contient le caractère de contrôle U+0000 : retirez-le.",
                    3: "Le commentaire contient le caractère de contrôle U+001B : retirez-le.",
                    4: "Le commentaire dépasse 2\u202f000 caractères (2\u202f001 saisis) : raccourcissez-le."}
    assert stored(users) == {} and stored(rate) == {}
    data = 'indicateur;période;valeur;commentaire\nUtilisateurs actifs;2026-09;100;"ligne 1\nligne 2"\n'.encode("utf-8")
    assert services.import_values_csv(startup, data, today=TODAY).written == 1
    assert db.session.scalar(sa.select(IndicatorValue.comment).where(IndicatorValue.indicator_id == users.id)) \
        == "ligne 1\nligne 2"


@pytest.mark.parametrize("data, message", [
    (b"", "vide"),
    (b"nom;valeur\nA;1\n", "manquantes : indicateur, periode"),
    ("indicateur;période;valeur\nUtilisateurs actifs;2026-10;1\n".encode("latin-1"), "UTF-8"),
])
def test_unreadable_files_are_refused_with_a_reason(data, message):
    startup, users, _ = csv_startup()
    with pytest.raises(CsvImportError) as caught:
        services.import_values_csv(startup, data, today=TODAY)
    assert message in caught.value.rows[0][1]
    assert stored(users) == {}


def test_the_csv_template_lists_the_indicators_to_fill_and_imports_back():
    startup = make_startup()
    services.propose_mandatory(startup)
    template = services.csv_template(startup, dt.date(2026, 11, 27))
    assert template.startswith("\ufeffindicateur;période;valeur;commentaire")
    assert "Nombre d'utilisateurs actifs par mois;2026-11;;" in template
    assert "Coût à l'utilisation" not in template
    result = services.import_values_csv(startup, template.encode("utf-8"), today=TODAY)
    assert (result.written, result.ignored) == (0, 6)


def test_the_csv_template_writes_a_name_typed_as_a_formula_as_text_and_imports_it_back():
    startup = make_startup()
    indicator = make_indicator(startup, name="=HYPERLINK(\"http://x\")")
    template = services.csv_template(startup, dt.date(2026, 11, 27))
    assert "\r\n\"'=HYPERLINK(\"\"http://x\"\")\";2026-11;;\r\n" in template
    filled = template.replace(";2026-11;;", ";2026-11;12;")
    result = services.import_values_csv(startup, filled.encode("utf-8"), today=TODAY)
    assert result.written == 1
    assert stored(indicator) == {month("2026-11"): 12}


# --- Objectives, budgets, cost per use -------------------------------------------------------------------------

def test_objectives_are_kept_and_read_by_committee_and_by_date():
    startup = make_startup()
    users = make_indicator(startup)
    person = make_person()
    first = services.set_objective(users, target_value=Decimal("1000"), target_on=dt.date(2026, 6, 30),
                                   now=NOW.replace(year=2026, month=1), actor=person, committee_id=41)
    second = services.set_objective(users, target_value=Decimal("2000"), target_on=dt.date(2026, 12, 31),
                                    now=NOW.replace(month=6), committee_id=42)
    assert queries.objective_set_by(users, 41) is first
    assert queries.objectives_by_committee(42) == {users.id: second}
    assert queries.objective_in_force(users, NOW.replace(month=3)) is first
    assert queries.objective_in_force(users, NOW) is second
    assert first.set_by_id == person.id


def test_a_negative_objective_is_refused_where_values_cannot_be_negative():
    with pytest.raises(IndicatorError, match="négatif"):
        services.set_objective(make_indicator(make_startup()), target_value=Decimal("-1"),
                               target_on=dt.date(2027, 5, 31))


def test_the_value_reached_and_the_trend_between_two_dates():
    startup = make_startup()
    users = make_indicator(startup)
    services.enter_values(startup, {(users.id, month("2026-04")): "100", (users.id, month("2026-10")): "150"},
                          today=TODAY)
    assert queries.value_reached(users, dt.date(2026, 5, 15)).value == Decimal("100")
    assert queries.value_reached(users, dt.date(2026, 3, 31)) is None
    assert queries.trend_between(users, dt.date(2026, 5, 15), TODAY) is Trend.IMPROVING


def cost_startup():
    startup = make_startup()
    services.propose_mandatory(startup)
    users = next(i for i in queries.indicators_of(startup) if i.kind is IndicatorKind.ACTIVE_USERS)
    return startup, users


def test_the_cost_per_use_is_the_yearly_budget_over_monthly_active_users_with_its_trend():
    startup, users = cost_startup()
    services.set_budget(startup, year=2026, amount_eur=600_000)
    services.set_budget(startup, year=2025, amount_eur=500_000)
    services.enter_values(startup, {
        (users.id, month("2025-12")): "1000", (users.id, month("2026-01")): "1000",
        (users.id, month("2026-02")): "1500", (users.id, month("2026-03")): "1200",
        (users.id, month("2026-04")): "1200",
    }, today=TODAY)
    costs = queries.cost_per_use(startup)
    assert [(c.period_start, c.value, c.trend) for c in costs] == [
        (month("2025-12"), Decimal("500.00"), None),
        (month("2026-01"), Decimal("600.00"), Trend.WORSENING),  # the budget grew with the year
        (month("2026-02"), Decimal("400.00"), Trend.IMPROVING),
        (month("2026-03"), Decimal("500.00"), Trend.WORSENING),
        (month("2026-04"), Decimal("500.00"), Trend.STABLE),
    ]
    cost = next(i for i in queries.indicators_of(startup) if i.kind is IndicatorKind.COST_PER_USE)
    assert [p.value for p in queries.series(cost)] == [c.value for c in costs]
    assert queries.trend_between(cost, dt.date(2026, 1, 31), dt.date(2026, 2, 28)) is Trend.IMPROVING


def test_no_cost_per_use_without_a_budget_for_the_year_or_without_users():
    startup, users = cost_startup()
    services.enter_values(startup, {(users.id, month("2026-01")): "1000", (users.id, month("2025-05")): "0"},
                          today=TODAY)
    assert queries.cost_per_use(startup) == []
    services.set_budget(startup, year=2025, amount_eur=100_000)
    assert queries.cost_per_use(startup) == []  # 0 users in 2025-05: no division
    services.set_budget(startup, year=2026, amount_eur=120_000)
    assert [c.value for c in queries.cost_per_use(startup)] == [Decimal("120.00")]


def test_a_budget_is_replaced_for_its_year_and_audited():
    startup = make_startup()
    services.set_budget(startup, year=2026, amount_eur=100_000)
    services.set_budget(startup, year=2026, amount_eur=120_000)
    assert [(b.year, b.amount_eur) for b in queries.budgets_of(startup)] == [(2026, 120_000)]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "startup.budget",
                                                            AuditEvent.startup_id == startup.id)
                                .order_by(AuditEvent.id)).all()
    assert [e.before for e in events] == [None, {"amount_eur": 100_000}]
    with pytest.raises(IndicatorError, match="la valeur doit être comprise entre 0\u00a0€ et 100\u202f000\u202f000\u00a0€"):
        services.set_budget(startup, year=2026, amount_eur=-1)


@pytest.mark.parametrize(("year", "amount", "refused"), [
    (2026, 100_000_000, None),
    (2026, 100_000_001, "« Budget annuel (en euros) » : la valeur doit être comprise entre 0\u00a0€ et 100\u202f000\u202f000\u00a0€."),
    (2026, 99999999999999999999, "« Budget annuel (en euros) » : la valeur doit être comprise"),
    (2013, 1, None),
    (2012, 1, "« Année » : la valeur doit être comprise entre 2013 et "),
    (3000, 1, "« Année » : la valeur doit être comprise entre 2013 et "),
])
def test_a_budget_is_bounded_with_the_bounds_in_the_message(year, amount, refused):
    startup = make_startup()
    if refused is None:
        assert services.set_budget(startup, year=year, amount_eur=amount).amount_eur == amount
    else:
        with pytest.raises(IndicatorError) as error:
            services.set_budget(startup, year=year, amount_eur=amount)
        assert error.value.message.startswith(refused)


@pytest.mark.parametrize(("year", "amount"), [(None, 1), (2026, None)])
def test_a_budget_without_its_year_or_amount_is_refused_in_french(year, amount):
    with pytest.raises(IndicatorError, match="L'année et le montant sont obligatoires."):
        services.set_budget(make_startup(), year=year, amount_eur=amount)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StartupBudget)) == 0


def test_a_second_active_users_indicator_is_refused():
    startup, _ = cost_startup()
    with pytest.raises(IndicatorError, match="Un seul indicateur"):
        make_indicator(startup, "Autres actifs", kind=IndicatorKind.ACTIVE_USERS)


def test_chart_rows_put_objectives_on_their_period():
    startup = make_startup()
    users = make_indicator(startup)
    services.enter_values(startup, {(users.id, month("2026-09")): "10", (users.id, month("2026-10")): "12"},
                          today=TODAY)
    services.set_objective(users, target_value=Decimal("20"), target_on=dt.date(2027, 4, 30), now=NOW)
    rows = queries.chart_rows(users)
    assert [(r.label, r.value, r.objective) for r in rows] == [
        ("septembre 2026", Decimal("10"), None), ("octobre 2026", Decimal("12"), None),
        ("avril 2027", None, Decimal("20")),
    ]


def test_the_chart_axis_keeps_every_month_and_leaves_a_gap_where_a_value_is_missing(app):
    from indicators.views import chart_of

    startup = make_startup()
    users = make_indicator(startup)
    services.enter_values(startup, {(users.id, month("2026-06")): "10", (users.id, month("2026-09")): "12"},
                          today=TODAY)
    axis = queries.chart_axis(queries.chart_rows(users), users.frequency)
    assert [(r.label, r.value) for r in axis] == [
        ("juin 2026", Decimal("10")), ("juillet 2026", None), ("août 2026", None), ("septembre 2026", Decimal("12"))]
    chart = chart_of(users)
    assert json.loads(chart["x"]) == [["juin 2026", "juillet 2026", "août 2026", "septembre 2026"]]
    assert json.loads(chart["y"]) == [[10, None, None, 12]]
    assert [row.label for row, _ in chart["rows"]] == ["juin 2026", "septembre 2026"]  # the table: the data only


def test_an_indicator_name_holds_on_one_line():
    startup = make_startup()
    with pytest.raises(IndicatorError, match="Le nom de l'indicateur doit tenir sur une ligne, sans un retour à la ligne."):
        services.create_indicator(startup, name="Usagers\nactifs", category=Category.USED)


def test_a_csv_value_before_the_programme_is_refused_with_its_line():
    startup, users, _ = csv_startup()
    data = b"indicateur;periode;valeur\nUtilisateurs actifs;2013-01;1\nUtilisateurs actifs;2012-12;1\n"
    with pytest.raises(CsvImportError) as caught:
        services.import_values_csv(startup, data, today=TODAY)
    assert dict(caught.value.rows) == {
        3: "La période décembre 2012 précède le programme beta.gouv.fr : les périodes commencent en janvier 2013."}
    assert stored(users) == {}
