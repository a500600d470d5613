"""/stats through the test client: public, every chart beside its table, filters, bounded SQL."""

import json
import re

from conventions.models import Convention, ConventionKind
from core import clock
from core.db import db
from tests.factories import bulk_portfolio, d, make_organisation, make_startup


def charts(html: str) -> list[dict]:
    """Each dsfr-chart component's attributes, decoded."""
    found = []
    for tag, attributes in re.findall(r"<(bar-chart|line-chart)([^>]*)>", html):
        values = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', attributes))
        found.append({"tag": tag, **{k: json.loads(values[k].replace("&#34;", '"').replace("&quot;", '"'))
                                     for k in ("x", "y", "name")}})
    return found


def test_the_page_is_public_and_states_each_definition(client, history):
    response = client.get("/stats/")
    assert response.status_code == 200
    html = response.text
    assert "Statistiques du programme" in html and "au <strong>15 juin 2026</strong>" in html
    assert html.count("<strong>Définition :</strong>") == 14
    assert 'href="/stats/"' in html  # the footer's link
    assert 'aria-current="page"' in html.split("Statistiques</a>")[0].rsplit("<a", 1)[1]


def test_every_chart_sits_beside_a_table_of_the_same_numbers(client, history):
    html = client.get("/stats/").text
    found = charts(html)
    assert len(found) == 8
    funnel = found[0]
    assert funnel["y"] == [[5, 3, 3, 2, 1]]
    table = html.split("<caption>Entonnoir par année d'entrée en investigation</caption>")[1].split("</table>")[0]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table.split("Total")[1])).split()[:5] == ["5", "3", "3", "2", "1"]
    overdue = found[2]
    assert overdue["x"][0][-1] == "2026-06" and overdue["y"][0][-1] == 50.0
    assert "<th scope=\"row\">2026-06</th><td class=\"jalons-number\">2</td><td class=\"jalons-number\">1</td><td class=\"jalons-number\">50,0 %</td>" in html
    money, cost = found[-2], found[-1]
    assert cost["x"] == [["Investigation", "Construction"]] or cost["x"] == [["Construction", "Investigation"]]
    assert sorted(cost["y"][0]) == [200.0, 500.0]
    assert '<td class="jalons-number">200,00</td>' in html
    assert money["x"] == [["2025"]] * 4 and money["y"] == [[100000], [30000], [50000], [20000]]
    assert "100\u202f000" in html


def test_every_chart_starts_its_y_axis_at_zero(client, history):
    """A line chart of @gouvfr/dsfr-chart fits its axis to the values (62 to 92 % drawn from 40 %): y-min="0"
    makes every chart start from zero, as the pages' other charts do."""
    html = client.get("/stats/").text
    tags = re.findall(r"<(?:bar|line)-chart[^>]*>", html)
    assert len(tags) == 8 and any(tag.startswith("<line-chart") for tag in tags)
    assert all(' y-min="0"' in tag for tag in tags), [tag[:60] for tag in tags if ' y-min="0"' not in tag]


def test_committees_held_and_decisions_are_shown_per_incubator(client, history):
    html = client.get("/stats/").text

    def rows(caption: str) -> list[list[str]]:
        table = html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
        return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in table.split("<tr>")[1:]]

    assert rows("Comités tenus par incubateur et par semestre") == [
        ["Incubateur", "2024 S2", "2025 S1", "2025 S2", "2026 S1"],
        ["Incubateur A", "1", "0", "1", "0"], ["Incubateur B", "0", "1", "0", "1"]]
    assert rows("Décisions par incubateur, par nature et par semestre") == [
        ["Incubateur", "Décision", "2025 S2", "2026 S1"],
        ["Incubateur A", "Poursuite au même budget ou supérieur", "1", "0"], ["Incubateur B", "Pivot", "0", "1"]]


def test_the_filters_narrow_the_figures_and_a_bad_year_is_a_french_error(client, history):
    html = client.get("/stats/?incubator=inc-a").text
    assert charts(html)[0]["y"] == [[2, 2, 2, 1, 1]]
    html = client.get("/stats/?partner=partenaire&du=2025").text
    assert "Aucune startup entrée en investigation pour ces filtres." in html
    response = client.get("/stats/?du=abc&incubator=nulle-part")
    assert response.status_code == 200
    assert "« abc » n&#39;est pas une année entre 2013 et 2100 : ce filtre a été ignoré." in response.text
    assert "« nulle-part » n&#39;est pas une valeur possible" in response.text
    assert charts(response.text)[0]["y"] == [[5, 3, 3, 2, 1]]


def test_a_first_year_after_the_last_is_a_french_error_and_the_period_is_ignored(client, history):
    response = client.get("/stats/?du=2026&au=2024")
    assert response.status_code == 200
    assert "« 2026 » suit l&#39;année de fin (2024) : la période a été ignorée." in response.text
    assert "« 2024 » précède l&#39;année de début (2026) : la période a été ignorée." in response.text
    assert charts(response.text)[0]["y"] == [[5, 3, 3, 2, 1]]  # unfiltered, not emptied
    assert charts(client.get("/stats/?du=2025&au=2025").text)[0]["y"] != [[5, 3, 3, 2, 1]]


def test_the_partner_filter_names_no_partner_of_an_unpublished_convention(client, history):
    """The filter offers the sponsors of the startups shown and the partners of the published conventions
    (those the money's figures count): a partner known only from a draft, or from a signed convention not
    yet published, is not made public by its name in the list; nor a sponsor of archived startups only."""
    secret = make_organisation("secret", name="Administration en négociation")
    discreet = make_organisation("discrete", name="Administration signée, non publiée")
    former = make_organisation("ancienne", name="Sponsor d'une startup archivée")
    make_startup("archivee", sponsors=[former], archived_at=clock.now())
    db.session.add_all([
        Convention(kind=ConventionKind.DELEGATION, title="Brouillon", partner_id=secret.id, ends_on=d("2026-12-31")),
        Convention(kind=ConventionKind.DELEGATION, title="Signée", partner_id=discreet.id, ends_on=d("2026-12-31"),
                   partner_signed_on=d("2026-01-10"), dinum_signed_on=d("2026-01-15")),
    ])
    db.session.flush()
    html = client.get("/stats/").text
    select = html.split('name="partner"')[1].split("</select>")[0]
    assert "Ministère partenaire" in select and "Autre ministère" in select
    for hidden in ("Administration en négociation", "Administration signée, non publiée", "startup archivée"):
        assert hidden not in select


def test_the_page_runs_the_same_statements_whatever_the_size_of_the_portfolio(client, history, count_queries):
    from core.db import db

    # Each request has a session of its own, which does not know yet whether the kept phases are fresh.
    db.session.info.pop("startups.cache_fresh", None)
    with count_queries() as small:
        client.get("/stats/")
    bulk_portfolio(300, history)
    db.session.info.pop("startups.cache_fresh", None)
    with count_queries() as large:
        assert client.get("/stats/?incubator=lot-inc-1&partner=lot-org-1&du=2020&au=2026").status_code == 200
    # The filters' choices (2), the funnel, time in phase, overdue by month, whether the kept phases are fresh,
    # overdue by incubator, held, delays, decisions, sign-off, indicators, money, cost per use (12).
    assert len(small) == len(large) == 14
