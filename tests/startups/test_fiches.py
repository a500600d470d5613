"""Parsing beta.gouv.fr fiches: every real format, and a French reason for each kind of bad file."""

from pathlib import Path

import pytest

from startups import fiches
from startups.fiches import FicheError
from startups.models import EventKind
from startups.phases import Phase
from tests.factories import d

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"


def startup(snapshot: str, id: str) -> fiches.StartupData:
    return fiches.load_startup(SNAPSHOTS / snapshot / "_startups" / f"{id}.md")


def parse(text: str, id: str = "essai") -> fiches.StartupData:
    return fiches.parse_startup(id, fiches.read_front_matter(text))


@pytest.mark.parametrize("snapshot, count", [("2019-01-01", 46), ("2021-01-01", 123), ("2023-01-01", 255), ("2026-08", 440)])
def test_every_real_startup_fiche_is_understood(snapshot, count):
    files = sorted((SNAPSHOTS / snapshot / "_startups").glob("*.md"))
    parsed = [fiches.load_startup(file) for file in files]
    assert len(parsed) == count
    assert all(s.name for s in parsed)


def test_every_real_incubator_and_organisation_fiche_is_understood():
    incubators = [fiches.load_incubator(f) for f in (SNAPSHOTS / "2026-08" / "_incubators").glob("*.md")]
    organisations = [fiches.load_organisation(f) for f in (SNAPSHOTS / "2026-08" / "_organisations").glob("*.md")]
    assert (len(incubators), len(organisations)) == (23, 142)


def test_the_id_is_the_file_name_kept_exactly():
    assert startup("2023-01-01", "Part'âge").id == "Part'âge"
    assert startup("2026-08", "données-et-territoires").id == "données-et-territoires"
    assert startup("2026-08", "1000.premiers.jours.blues").id == "1000.premiers.jours.blues"
    assert startup("2023-01-01", "MonAideCyber").id == "MonAideCyber"


def test_the_pre_2020_status_becomes_one_period_and_the_free_text_owner_is_kept():
    clara = startup("2019-01-01", "clara")
    assert [(p.phase, p.start_on, p.end_on) for p in clara.periods] == [(Phase.ACCELERATION, d("2017-04-01"), None)]
    assert clara.legacy_owner
    assert startup("2019-01-01", "aides-territoires").periods[0].end_on == d("2018-07-30")


def test_the_pre_2020_death_status_is_a_stop_with_its_name_kept():
    (period,) = startup("2019-01-01", "mdph").periods
    assert (period.phase, period.source_name, period.start_on) == (Phase.ABANDON, "death", d("2014-12-01"))


def test_legacy_phase_names_are_mapped_and_kept():
    clara = startup("2023-01-01", "clara")
    assert [(p.phase, p.source_name) for p in clara.periods] == [
        (Phase.INVESTIGATION, None),
        (Phase.CONSTRUCTION, None),
        (Phase.CONSOLIDATION, "transfer"),
        (Phase.TRANSFERE, "success"),
        (Phase.ABANDON, "alumni"),
    ]
    boussole = startup("2021-01-01", "boussole")
    assert [(p.phase, p.source_name) for p in boussole.periods] == [
        (Phase.INVESTIGATION, None),
        (Phase.ABANDON_INVESTIGATION, "alumni"),
    ]


def test_a_phase_without_start_gets_the_start_of_the_rule_and_an_empty_end_is_no_end():
    signaux = startup("2021-01-01", "signaux-faibles")
    assert signaux.periods[2].start_on is None
    assert signaux.periods[2].effective_start_on == d("2014-05-15")
    ends = [p.end_on for p in startup("2023-01-01", "infoparquet").periods]
    assert ends == [d("2021-05-31"), None]  # `end: ""`


def test_inline_sponsors_of_2021_become_organisations_with_a_slug_id():
    sponsors = startup("2021-01-01", "clara").sponsors
    assert [s.id for s in sponsors] == ["pe"]
    assert sponsors[0].inline.name == "Pôle Emploi"
    assert sponsors[0].inline.kind == "operateur"
    assert sponsors[0].inline.ministerial_domain == "travail"


def test_sponsor_paths_keep_their_order():
    sponsors = startup("2026-08", "bat-id").sponsors
    assert [s.id for s in sponsors] == ["ademe", "cstb", "dgaln", "dhup", "dinum", "ign", "sgpe"]
    assert all(s.inline is None for s in sponsors)


def test_the_2026_fields_are_read():
    fiche = startup("2026-08", "1-eleve-1-stage")
    assert (fiche.fast_promotion, fiche.fast_amount) == (15, 120000)
    assert fiche.link == "https://1eleve1stage.education.gouv.fr"
    assert fiche.incubator_id == "MEN"
    assert isinstance(fiche.user_types, list) and isinstance(fiche.themes, list) and isinstance(fiche.techno, list)
    assert any(e.kind == EventKind.PRODUCT_LAUNCH for e in fiche.events)


def test_a_startup_followed_by_several_incubators_keeps_the_others():
    fiche = startup("2026-08", "ecobalyse")
    assert (fiche.incubator_id, fiche.co_incubator_ids) == ("mtes", ["ademe"])


def test_an_event_split_by_a_stray_dash_is_joined():
    (event,) = startup("2023-01-01", "geo.data.gouv.fr").events
    assert (event.kind, event.happened_on) == (EventKind.END, d("2021-09-01"))


@pytest.mark.parametrize("raw, expected", [
    (" https://a.fr/x ", "https://a.fr/x"),
    ("www.example.gouv.fr", "https://www.example.gouv.fr"),
    ("", None),
    ("   ", None),
    (None, None),
    ("https:&#x2F;&#x2F;servicerepasmidi.wixsite.com&#x2F;my-site-1", "https://servicerepasmidi.wixsite.com/my-site-1"),
    ("https://github.com/MTES-MCT/secheresse-front; ", "https://github.com/MTES-MCT/secheresse-front"),
    ("https://a.fr/un lien", "https://a.fr/un%20lien"),
    ("http://a.fr", "http://a.fr"),
])
def test_links_are_normalised(raw, expected):
    assert fiches.normalise_link(raw) == expected


def test_real_links_with_spaces_are_cleaned():
    fiche = startup("2026-08", "mes.aides.a.lembauche")
    assert fiche.link == "https://entreprise.francetravail.fr/detecteureligibiliteaides/"
    assert fiche.budget_url is None


def test_incubator_and_organisation_fiches():
    incubator = fiches.load_incubator(SNAPSHOTS / "2026-08" / "_incubators" / "FabNum-MI.md")
    assert (incubator.id, incubator.owner_id, incubator.website) == ("FabNum-MI", "interieur", None)
    assert incubator.name == "La Fabrique Numérique du Ministère de l'Intérieur"
    organisation = fiches.load_organisation(SNAPSHOTS / "2026-08" / "_organisations" / "acoss.md")
    assert (organisation.acronym, organisation.kind, organisation.ministerial_domain) == ("ACOSS", "securite-sociale", "solidarite-sante")


MINIMAL = "---\ntitle: Essai\nincubator: dinum\n{extra}---\nCorps\n"


@pytest.mark.parametrize("text, reason", [
    ("title: Essai\n", "pas d'en-tête YAML"),
    ("---\ntitle: Essai\n", "en-tête YAML non fermé"),
    ("---\ntitle: [Essai\n---\n", "YAML illisible"),
    ("---\n---\n", "en-tête YAML vide"),
    ("---\n- a\n- b\n---\n", "liste de clés et de valeurs"),
    (MINIMAL.format(extra="phases:\n  - name: incubation\n    start: 2020-01-01\n"), "phase n°1 : phase inconnue « incubation »"),
    (MINIMAL.format(extra="phases:\n  - name: investigation\n    start: 2020-13-01\n"), "valeur invalide"),
    (MINIMAL.format(extra="phases:\n  - name: investigation\n    start: bientôt\n"), "date invalide pour « phase n°1 : start » : « bientôt »"),
    (MINIMAL.format(extra="phases:\n  - name: investigation\n    start: '2024-02-30'\n"), "date invalide"),
    (MINIMAL.format(extra="phases: investigation\n"), "« phases » doit être une liste"),
    (MINIMAL.format(extra="phases:\n  - investigation\n"), "phase n°1"),
    (MINIMAL.format(extra="stats: oui\n"), "« stats » doit valoir true ou false"),
    (MINIMAL.format(extra="usertypes: {a: b}\n"), "« usertypes » doit être une liste"),
    (MINIMAL.format(extra="fast: {promotion: quinze, montant: 1}\n"), "« fast.promotion » doit être un nombre entier"),
    (MINIMAL.format(extra="events:\n  - name: fete\n    date: 2020-01-01\n"), "type d'événement inconnu « fete »"),
    (MINIMAL.format(extra="events:\n  - name: end\n"), "« date » est obligatoire"),
    (MINIMAL.format(extra="link: [a, b]\n"), "« link » doit être une adresse web"),
    (MINIMAL.format(extra="sponsors: /organisations/dinum\n"), "« sponsors » doit être une liste"),
    ("---\nmission: Sans titre\n---\n", "« title » est obligatoire"),
    ("---\ntitle: " + "x" * 301 + "\n---\n", "« title » dépasse 300 caractères"),
])
def test_a_bad_fiche_gets_a_french_reason(text, reason):
    with pytest.raises(FicheError) as error:
        parse(text)
    assert reason in str(error.value)


@pytest.mark.parametrize("text, reason", [
    # What PostgreSQL cannot hold: a NUL in a text, an amount beyond its integer column.
    ('---\ntitle: "Nom\\0avec NUL"\n---\n', "« title » doit tenir sur une ligne : il ne peut pas contenir le caractère de contrôle U+0000"),
    (MINIMAL.format(extra="fast: {promotion: 12, montant: 3000000000}\n"),
     "« fast.montant » : la valeur doit être comprise entre 0\u00a0€ et 100\u202f000\u202f000\u00a0€"),
    (MINIMAL.format(extra="fast: {promotion: 12, montant: 100000000000000000000}\n"), "« fast.montant » : la valeur doit"),
    (MINIMAL.format(extra="fast: {promotion: 3000000000, montant: 1}\n"),
     "« fast.promotion » : la valeur doit être comprise entre 0 et 1000"),
    # What SQLite would store and the pages, the CSV and the API publish as it is.
    ('---\ntitle: "Ctl\\e[31mRouge\\a"\n---\n', "« title » doit tenir sur une ligne : il ne peut pas contenir le caractère de contrôle U+001B"),
    ('---\ntitle: "Deux\\nlignes"\n---\n', "« title » doit tenir sur une ligne : il ne peut pas contenir un retour à la ligne"),
    (MINIMAL.format(extra='mission: "Une\\x07mission"\n'), "« mission » ne peut pas contenir le caractère de contrôle U+0007"),
    (MINIMAL.format(extra='link: "https://exemple.gouv.fr/\\0"\n'), "« link » doit tenir sur une ligne"),
    (MINIMAL.format(extra='usertypes: ["agents\\e"]\n'), "« usertypes » doit tenir sur une ligne"),
    (MINIMAL.format(extra='sponsors: ["/organisations/di\\0num"]\n'), "« sponsors n°1 » doit tenir sur une ligne"),
    (MINIMAL.format(extra='incubators: ["dinum", "autre\\0"]\n'), "« incubators » doit tenir sur une ligne"),
    (MINIMAL.format(extra='accessibility_status: "non\\tconforme"\n'), "« accessibility_status » doit tenir sur une ligne : il ne peut pas contenir une tabulation"),
    (MINIMAL.format(extra='phases:\n  - name: investigation\n    start: 2024-01-01\n    comment: "a\\0"\n'),
     "« phase n°1 : comment » ne peut pas contenir le caractère de contrôle U+0000"),
    (MINIMAL.format(extra='events:\n  - name: end\n    date: 2024-01-01\n    comment: "fin\\e"\n'),
     "« événement n°1 : comment » ne peut pas contenir le caractère de contrôle U+001B"),
])
def test_a_value_the_database_would_refuse_or_publish_raw_gets_a_french_reason_naming_the_field(text, reason):
    with pytest.raises(FicheError) as error:
        parse(text)
    assert reason in str(error.value)


def test_a_multi_line_text_keeps_its_line_feeds_and_tabs_and_amounts_within_bounds_are_kept():
    fiche = parse(MINIMAL.format(extra='mission: "Une\\nmission\\ten deux lignes"\n'
                                       'fast: {promotion: 17, montant: 100000000}\n'))
    assert fiche.mission == "Une\nmission\ten deux lignes"
    assert (fiche.fast_promotion, fiche.fast_amount) == (17, 100_000_000)


def test_an_incubator_or_an_organisation_with_a_control_character_is_refused():
    with pytest.raises(FicheError, match="« title » doit tenir sur une ligne"):
        fiches.parse_incubator("dinum", {"title": "Incubateur\x1b"})
    with pytest.raises(FicheError, match="« address » ne peut pas contenir le caractère de contrôle U\\+0000"):
        fiches.parse_incubator("dinum", {"title": "Incubateur", "address": "20 avenue\x00"})
    assert fiches.parse_incubator("dinum", {"title": "Incubateur", "address": "20 avenue\n75007 Paris"}).address
    with pytest.raises(FicheError, match="« name » doit tenir sur une ligne"):
        fiches.parse_organisation("dinum", {"name": "DINUM\x00"})


@pytest.mark.parametrize("id, found", [("mon\u00a0service", "U+00A0"), ("mon\u200bservice", "U+200B"),
                                       ("mon\x1bservice", "U+001B"), ("ligne\u2028", "U+2028")])
def test_a_file_name_the_pages_would_not_find_is_refused_naming_the_file(id, found):
    with pytest.raises(FicheError) as error:
        parse(MINIMAL.format(extra=""), id=id)
    assert str(error.value) == (f"le nom du fichier « {id}.md » ne peut pas servir d'identifiant : il contient le "
                                f"caractère non imprimable {found} (la page de la fiche serait introuvable)")
    with pytest.raises(FicheError, match=found.replace("+", "\\+")):
        fiches.parse_incubator(id, {"title": "Incubateur"})
    with pytest.raises(FicheError, match=found.replace("+", "\\+")):
        fiches.parse_organisation(id, {"name": "Organisation"})


@pytest.mark.parametrize("extra, reason", [
    ('incubator: "mon\u00a0incubateur"\n', "« incubator » : l'identifiant « mon\u00a0incubateur » contient le caractère non imprimable U+00A0"),
    ('incubators: ["dinum", "autre\u00a0incubateur"]\n', "« incubators » : l'identifiant"),
    ('sponsors: ["/organisations/une\u00a0administration"]\n', "« sponsors n°1 » : l'identifiant « une\u00a0administration »"),
])
def test_an_incubator_or_an_organisation_named_by_an_id_the_pages_would_not_find_is_refused(extra, reason):
    with pytest.raises(FicheError) as error:
        parse("---\ntitle: Essai\n" + extra + "---\n")
    assert reason in str(error.value)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("---\ntitle: Numérique\n---\n".encode("latin-1"))
    with pytest.raises(FicheError, match="UTF-8"):
        fiches.load_startup(path)


def test_a_quoted_iso_date_and_a_minimal_fiche_are_accepted():
    fiche = parse(MINIMAL.format(extra="phases:\n  - name: investigation\n    start: '2024-02-01'\n    end:\n"))
    assert (fiche.name, fiche.incubator_id, fiche.sponsors, fiche.events) == ("Essai", "dinum", [], [])
    assert (fiche.periods[0].start_on, fiche.periods[0].end_on) == (d("2024-02-01"), None)


def test_an_incubator_description_loses_the_html_of_the_website():
    from startups.fiches import parse_incubator

    data = {"title": "La Fabrique", "short_description":
            "Soutenir l’<span class=\"fr-text--bold\">aménagement du territoire</span> &amp; la transition."}
    assert parse_incubator("mtes", data).description == "Soutenir l’aménagement du territoire & la transition."
