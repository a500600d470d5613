"""Grid pages through the test client: the committee's grids, the fill form, the CSV, the admin pages,
and who may reach them."""

import csv
import html
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from committees.models import CommitteeKind, CommitteeStatus, Decision, DecisionKind
from core.db import db
from grids import services
from grids.models import FilledGrid, FilledStatus, GridVersion
from tests.factories import login, make_incubator_staff, make_person
from tests.grids.conftest import make_committee

SPONSOR_CODES = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]


def url(world, code="arbitrage_sponsor", page="fill"):
    if page == "committee":
        return f"/grids/committee/{world.committee.id}"
    return f"/grids/committee/{world.committee.id}/{code}/{page}"


def form_data(version: GridVersion, values: dict, action="submit", **extra) -> dict:
    data = {"action": action, "version_id": str(version.id)}
    by_code = {c.code: c for c in version.criteria}
    for code, value in values.items():
        data[f"c{by_code[code].id}"] = str(value)
    for code, comment in extra.pop("comments", {}).items():
        data[f"c{by_code[code].id}_comment"] = comment
    data.update(extra)
    return data


def submit(client, world, person, values, **extra):
    login(client, person)
    version = world.templates["arbitrage_sponsor"].latest_version
    return client.post(url(world), data=form_data(version, values, **extra))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# -- permissions --

def test_anonymous_visitors_are_sent_to_login(client, world):
    for page in (url(world, page="committee"), url(world), url(world, page="results.csv"), "/grids/templates"):
        response = client.get(page)
        assert response.status_code == 303 and "/users/login" in response.headers["Location"] or "login" in response.headers["Location"]


def test_a_non_participant_may_not_fill(client, world):
    for person in (world.people.outsider, world.people.coach, world.people.admin, world.people.intrapreneur):
        login(client, person)
        assert client.get(url(world)).status_code == 403
        assert client.post(url(world), data={"action": "submit"}).status_code == 403


def test_who_sees_the_committee_grids_page(client, world):
    staff = make_person("Sam Staff")
    make_incubator_staff(staff, world.incubator)
    for person in (world.people.sponsor, world.people.intrapreneur, world.people.coach, world.people.admin, staff):
        login(client, person)
        assert client.get(url(world, page="committee")).status_code == 200, person.name
    login(client, world.people.outsider)
    assert client.get(url(world, page="committee")).status_code == 403


def test_only_admins_see_the_template_pages(client, world):
    login(client, world.people.sponsor)
    assert client.get("/grids/templates").status_code == 403
    assert client.get("/grids/templates/lancement/new-version").status_code == 403
    login(client, world.people.admin)
    assert client.get("/grids/templates").status_code == 200


def test_unknown_committee_or_unsuitable_grid_is_404(client, world):
    login(client, world.people.sponsor)
    assert client.get("/grids/committee/999999").status_code == 404
    assert client.get(url(world, code="lancement")).status_code == 404  # a semestrial committee
    assert client.get(url(world, code="inconnue")).status_code == 404


# -- filling --

def test_the_form_shows_each_criterion_with_its_questions_and_scale(client, world):
    committee = make_committee(world.startup, kind=CommitteeKind.END_OF_INVESTIGATION,
                               participants=[(world.people.sponsor, "sponsor")])
    login(client, world.people.sponsor)
    page = client.get(f"/grids/committee/{committee.id}")
    assert "Grille d'éligibilité au programme beta.gouv.fr" in text(page) and "Grille d'arbitrage pour le sponsor" in text(page)
    form = client.get(f"/grids/committee/{committee.id}/lancement/fill")
    body = text(form)
    assert form.status_code == 200
    assert "Le problème est-il bien qualifié" in body  # a question as hint text
    assert 'value="10"' in body and 'value="11"' not in body
    assert "Enveloppe pour les 6 prochains mois" in body
    assert "Déclaration de conflit d'intérêts" in body


def test_each_scale_says_what_its_ends_mean(client, world):
    committee = make_committee(world.startup, kind=CommitteeKind.END_OF_INVESTIGATION,
                               participants=[(world.people.sponsor, "sponsor")])
    login(client, world.people.sponsor)
    sponsor_grid = text(client.get(f"/grids/committee/{committee.id}/arbitrage_sponsor/fill"))
    assert "Critères notés de 0 (pas du tout) à 5 (tout à fait)" in sponsor_grid
    assert re.search(r'for="c\d+-0">0<span class="fr-hint-text">Pas du tout</span>', sponsor_grid)
    assert re.search(r'for="c\d+-5">5<span class="fr-hint-text">Tout à fait</span>', sponsor_grid)
    assert not re.search(r'for="c\d+-3">3<span', sponsor_grid)  # only the ends are explained
    eligibility = text(client.get(f"/grids/committee/{committee.id}/lancement/fill"))
    assert "Critères notés de 0 (critère non rempli) à 10 (critère pleinement rempli)" in eligibility


def test_a_draft_is_saved_then_shown_again(client, world):
    response = submit(client, world, world.people.sponsor, {"1.1": 4}, action="draft", comments={"1.1": "Cible claire"})
    assert response.status_code == 303 and response.headers["Location"].endswith(url(world))
    grid = db.session.scalars(sa.select(FilledGrid)).one()
    assert grid.status is FilledStatus.DRAFT
    page = text(client.get(url(world)))
    assert "Cible claire" in page and "Votre brouillon est enregistré." in page


def test_a_bad_score_gives_a_french_message_per_field_and_nothing_is_stored(client, world):
    response = submit(client, world, world.people.sponsor, {"1.1": "9", "1.2": "deux"}, action="draft")
    assert response.status_code == 422
    body = text(response)
    assert "doit être un nombre entier entre 0 et 5" in body
    assert body.count("fr-message--error") == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FilledGrid)) == 0


def test_submitting_an_incomplete_grid_is_refused(client, world):
    response = submit(client, world, world.people.sponsor, {"1.1": 4})
    assert response.status_code == 422
    assert "Donnez une note entre 0 et 5" in text(response)


def test_abstaining_without_declaration_is_refused_and_with_one_accepted(client, world):
    response = submit(client, world, world.people.sponsor, {}, abstained="y", conflict_of_interest="")
    assert response.status_code == 422
    assert "Déclarez le conflit d" in text(response)
    response = submit(client, world, world.people.sponsor, {}, abstained="y", conflict_of_interest="Ancien agent de la direction")
    assert response.status_code == 303
    grid = db.session.scalars(sa.select(FilledGrid)).one()
    assert grid.abstained and grid.is_submitted


def test_a_submitted_grid_is_frozen(client, world):
    assert submit(client, world, world.people.sponsor, {c: 3 for c in SPONSOR_CODES}).status_code == 303
    page = client.get(url(world))
    assert page.status_code == 200 and "Vos réponses" in text(page) and "<form" not in text(page).split("</header>")[1]
    response = submit(client, world, world.people.sponsor, {c: 5 for c in SPONSOR_CODES})
    assert response.status_code == 303
    grid = db.session.scalars(sa.select(FilledGrid)).one()
    assert {a.score for a in grid.answers} == {3}


# -- hidden scores --

def test_others_scores_are_hidden_before_one_submits_and_shown_after(client, world):
    submit(client, world, world.people.sponsor, {c: 5 for c in SPONSOR_CODES}, comments={"1.1": "Remarque de Sophie"})
    login(client, world.people.head)
    before = text(client.get(url(world, page="committee")))
    assert "restent masquées" in before and "Remarque de Sophie" not in before
    assert "Soumise" in before  # progress shows, scores do not
    hidden = client.get(url(world, page="results.csv"))
    assert hidden.status_code == 303 and hidden.headers["Location"].endswith(url(world, page="committee"))
    assert "restent masquées" in text(client.get(hidden.headers["Location"]))
    submit(client, world, world.people.head, {c: 1 for c in SPONSOR_CODES})
    after = text(client.get(url(world, page="committee")))
    assert "restent masquées" not in after and "Remarque de Sophie" in after and "Désaccord" in after


def test_everyone_sees_the_results_once_the_committee_is_held(client, world):
    submit(client, world, world.people.sponsor, {c: 4 for c in SPONSOR_CODES})
    for person in (world.people.coach, world.people.admin, world.people.head):
        login(client, person)
        assert "restent masquées" in text(client.get(url(world, page="committee")))
    world.committee.status = CommitteeStatus.HELD
    db.session.flush()
    for person in (world.people.coach, world.people.admin):
        login(client, person)
        page = text(client.get(url(world, page="committee")))
        assert "restent masquées" not in page and "Résultats par critère" in page
        assert client.get(url(world, page="results.csv")).status_code == 200


def test_the_sponsors_grid_stays_masked_to_who_fills_it_until_the_sign_off(client, world):
    """The sponsor's grid stays open once the committee is held: the incubator head, who arbitrates with the
    sponsor and has not submitted, would otherwise read the sponsor's scores before submitting."""
    submit(client, world, world.people.sponsor, {c: 4 for c in SPONSOR_CODES}, comments={"1.1": "Remarque de Sophie"})
    for status in (CommitteeStatus.HELD, CommitteeStatus.DECIDED):
        if status == CommitteeStatus.DECIDED:
            world.committee.decision = Decision(kind=DecisionKind.CONTINUE)
        world.committee.status = status
        db.session.flush()
        login(client, world.people.head)
        page = text(client.get(url(world, page="committee")))
        assert "restent masquées" in page and "ou que la décision du comité soit validée" in page
        assert "Remarque de Sophie" not in page
        hidden = client.get(url(world, page="results.csv"))
        assert hidden.status_code == 303
        assert "ou que la décision du comité soit validée" in text(client.get(hidden.headers["Location"]))
    world.committee.status = CommitteeStatus.SIGNED_OFF
    db.session.flush()
    page = text(client.get(url(world, page="committee")))
    assert "restent masquées" not in page and "Remarque de Sophie" in page


# -- CSV --

def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_results_csv_reads_back_with_french_decimals(client, world):
    submit(client, world, world.people.sponsor, {**{c: 4 for c in SPONSOR_CODES}, "1.1": 5}, comments={"1.1": "=HYPERLINK(\"x\")"})
    submit(client, world, world.people.head, {**{c: 2 for c in SPONSOR_CODES}, "1.1": 0})
    submit(client, world, world.people.manager, {}, abstained="y", conflict_of_interest="Lien familial")
    response = client.get(url(world, page="results.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header = rows.index(["Section", "Code", "Critère", "Poids", "Notes", "Moyenne", "Médiane", "Écart-type",
                         "Minimum", "Maximum", "Désaccord"])
    criteria = rows[header + 1: header + 11]
    assert [r[1] for r in criteria] == SPONSOR_CODES
    first = criteria[0]
    assert first[4:] == ["2", "2,5", "2,5", "2,5", "0", "5", "oui"]
    assert criteria[1][4:] == ["2", "3", "3", "1", "2", "4", "non"]
    overall = rows[header + 11]
    assert overall[0] == "Moyenne générale" and overall[5] == "2,95"  # (2.5 + 9 × 3) / 10
    assert rows[header + 12] == ["Abstentions", "1"]
    answers = [r for r in rows if r and r[0] == "Sophie Sponsor"]
    assert len(answers) == 10 and answers[0][3] == "5"
    assert answers[0][5] == "'=HYPERLINK(\"x\")"  # no formula for Excel
    assert ["Maya Portefeuille", "", "Abstention (conflit d'intérêts)", "", "Lien familial", ""] in rows


# -- admin pages --

def test_an_admin_publishes_a_new_version_from_the_page(client, world):
    login(client, world.people.admin)
    template = world.templates["arbitrage_sponsor"]
    latest = template.latest_version
    page = client.get("/grids/templates/arbitrage_sponsor/new-version")
    assert page.status_code == 200 and "Publier la version 2" in text(page)
    data = {"intro": "", "change_note": "Le positionnement compte double", "new_kind": "note", "new_weight": "1"}
    for c in latest.criteria:
        data[f"k{c.id}_label"] = c.label
        data[f"k{c.id}_questions"] = "\n".join(c.questions)
        data[f"k{c.id}_weight"] = "2" if c.code == "1.1" else "1"
        if c.code == "3.3":
            data[f"k{c.id}_archived"] = "y"
    data.update(new_code="4.1", new_label="Le service est-il accessible ?", new_questions="RGAA ?\nDéclaration ?")
    response = client.post("/grids/templates/arbitrage_sponsor/new-version", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    v2 = template.latest_version
    assert v2.number == 2 and v2.change_note == "Le positionnement compte double"
    assert [c.code for c in v2.active_criteria if c.kind.value == "note"][-1] == "4.1"
    assert "3.3" not in [c.code for c in v2.active_criteria]
    listing = text(client.get("/grids/templates"))
    assert "Le positionnement compte double" in listing and "Ada Admin" in listing


def test_a_bad_weight_is_refused_on_the_page(client, world):
    login(client, world.people.admin)
    latest = world.templates["lancement"].latest_version
    data = {f"k{c.id}_label": c.label for c in latest.criteria}
    data.update({f"k{c.id}_weight": "1" for c in latest.criteria})
    data[f"k{latest.criteria[0].id}_weight"] = "lourd"
    response = client.post("/grids/templates/lancement/new-version", data=data)
    assert response.status_code == 422 and "doit être un nombre" in text(response)
    data[f"k{latest.criteria[0].id}_weight"] = "0"
    response = client.post("/grids/templates/lancement/new-version", data=data)
    assert response.status_code == 422 and "nombre positif" in text(response)
    assert world.templates["lancement"].latest_version.number == 1


def test_a_coach_is_not_offered_the_sponsors_grid_and_each_grid_says_whom_it_is_for(client, world):
    from committees.models import Participant, ParticipantRole

    world.committee.kind = CommitteeKind.END_OF_INVESTIGATION
    world.committee.participants.append(Participant(person=world.people.coach, role=ParticipantRole.COACH))
    db.session.commit()
    login(client, world.people.coach)
    page = text(client.get(url(world, page="committee")))
    sponsor = page[page.index('id="grille-arbitrage_sponsor"'):]
    lancement = page[page.index('id="grille-lancement"'):page.index('id="grille-arbitrage_sponsor"')]
    assert "Grille des participants" in lancement and "Votre grille" in lancement
    assert "Grille du sponsor" in sponsor and "Votre grille" not in sponsor and "Remplir la grille" not in sponsor
    assert client.get(url(world)).status_code == 403


def test_the_sponsor_fills_the_sponsors_grid_once_the_committee_is_held(client, world):
    world.committee.status = CommitteeStatus.HELD
    db.session.commit()
    login(client, world.people.sponsor)
    page = text(client.get(url(world, page="committee")))
    assert "Remplir la grille" in page
    submit(client, world, world.people.sponsor, {c: 4 for c in SPONSOR_CODES})
    assert services.own_grid(world.committee, world.templates["arbitrage_sponsor"], world.people.sponsor).is_submitted


def test_no_criterion_is_preset_to_sans_note(client, world):
    login(client, world.people.sponsor)
    page = client.get(url(world)).get_data(as_text=True)
    blanks = re.findall(r'<input type="radio" id="c\d+-aucune"[^>]*>', page)
    assert len(blanks) == len(SPONSOR_CODES)
    assert not any("checked" in blank for blank in blanks)
    # Chosen explicitly, it stays chosen when the form comes back with an error.
    version = world.templates["arbitrage_sponsor"].latest_version
    data = form_data(version, {"1.1": "9"}, action="draft")
    first = version.scored_criteria[1]
    data[services.field_name(first)] = ""
    page = client.post(url(world), data=data).get_data(as_text=True)
    assert re.search(rf'id="{services.field_name(first)}-aucune"[^>]*checked', page)
