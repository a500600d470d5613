"""The data the browser journeys run on.

The real demo data (demo/betagouv-2026-08/, loaded by startups.importer.import_directory) when both exist;
otherwise a handful of real fiches of beta.gouv.fr's 2026-08 snapshot (public data), copied here and
built with the test factories (or on demand: JALONS_BROWSER_DATA=fiches). The journeys only rely on
startups present in both.
"""

import datetime as dt
import importlib.util
import os
from pathlib import Path

from core import clock
from core.db import db
from tests.factories import d, make_incubator, make_organisation, make_startup

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "betagouv-2026-08"

ORGANISATIONS = [
    # id, name, acronym, kind, ministerial domain
    ("anct", "Agence Nationale de la Cohésion des Territoires", "ANCT", "operateur", "territoires"),
    ("cgdd", "Commissariat général au développement durable", "CGDD", "autre", "environnement"),
    ("conseil-d-etat", "Conseil d'Etat", "CE", "autre", "justice"),
    ("dgaln", "Direction générale de l'Aménagement, du Logement et de la Nature", "DGALN", "administration-centrale", "environnement"),
    ("dgitm", "Direction générale des infrastructures, des transports et des mobilités", "DGITM", "administration-centrale", "environnement"),
    ("dhup", "Direction de l'habitat, de l'urbanisme et des paysages", "DHUP", "administration-centrale", "environnement"),
    ("dihal", "Délégation interministérielle à l'hébergement et à l'accès au logement", "DIHAL", "administration-centrale", "territoires"),
    ("dinum", "Direction interministérielle du numérique", "DINUM", "administration-centrale", "spm"),
    ("ditp", "Direction interministérielle de la transformation publique", "DITP", "administration-centrale", "spm"),
    ("interieur", "Ministère de l'Intérieur", "MI", "administration-centrale", "interieur"),
    ("mctrct", "Ministère de la Cohésion des territoires et des relations avec les collectivités territoriales", "MCTRCT", "administration-centrale", "environnement"),
    ("mefsin", "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique", "MEFSIN", "administration-centrale", "bercy"),
    ("mtes", "Ministère de la Transition Écologique", "MTE", "administration-centrale", "environnement"),
]

INCUBATORS = [
    ("mtes", "La Fabrique Numérique de l'Ecologie (MTE)", "mtes", None),
    ("anct", "L'Incubateur des Territoires (ANCT)", "anct", "https://anct.gouv.fr/programmes-dispositifs/incubateur-des-territoires"),
    ("dinum", "Le département Accompagnement de services numériques de la DINUM", "dinum", "https://beta.gouv.fr/"),
]

STARTUPS = [
    {"id": "acceslibre", "name": "Acceslibre", "mission": "Collecter puis diffuser les données d'accessibilité des établissements publics", "incubator": "mtes", "sponsors": ["dgaln", "dhup"], "link": "https://acceslibre.beta.gouv.fr", "repository": "https://github.com/MTES-MCT/acceslibre", "phases": [("investigation", "2019-11-01", None), ("construction", "2020-09-01", None), ("acceleration", "2022-09-01", None)], "events": [("other", "2022-10-04", "Demo-D : fin du programme d'accompagnement gamma avec résultats clés - plus de 100 000 fiches ERP, go de réutilisation par google et servicepublic.fr"), ("national_impact", "2025-02-26", None)]},
    {"id": "aides-territoires", "name": "Aides-territoires", "mission": "Accéder aux meilleures aides pour financer et accompagner vos projets locaux", "incubator": "anct", "sponsors": ["anct", "dgaln", "dhup", "mctrct", "mtes"], "link": "https://aides-territoires.beta.gouv.fr", "repository": "https://gitlab.com/incubateur-territoires/startups/mon-espace-collectivite/aides-territoires", "phases": [("construction", "2018-01-01", "2018-09-10"), ("acceleration", "2018-09-10", None)], "events": [("other", "2024-11-21", "Transmission du produit de la DGALN à l'ANCT"), ("other", "2025-07-10", "Remise en construction du produit pour amorcer l'intégration avec Mon Espace Collectivité")]},
    {"id": "aidantsconnect", "name": "Aidants Connect", "mission": "Accompagner vos usagers en toute sécurité", "incubator": "anct", "sponsors": ["anct"], "link": "https://aidantsconnect.beta.gouv.fr", "repository": "https://github.com/betagouv/Aidants_Connect", "phases": [("construction", "2019-03-13", None), ("investigation", "2019-03-13", None), ("acceleration", "2021-03-15", None)], "events": []},
    {"id": "a-dock", "name": "A Dock", "mission": "Simplifier l'accès aux données et démarches administratives du transport routier de marchandises", "incubator": "mtes", "sponsors": ["dgitm", "mtes"], "link": "https://adock.beta.gouv.fr", "repository": "https://github.com/MTES-MCT/adock-api", "phases": [("investigation", "2018-01-08", "2018-07-01"), ("construction", "2018-07-01", "2019-01-23"), ("acceleration", "2019-01-23", None), ("abandon", "2021-01-01", None)], "events": []},
    {"id": "api-telerecours", "name": "API Télérecours", "mission": "Simplifier l'accès aux données de contentieux de Télérecours pour les ministères", "incubator": "dinum", "sponsors": ["conseil-d-etat"], "link": None, "repository": None, "phases": [("investigation", "2026-09-07", None)], "events": [("product_launch", "2026-07-10", None)]},
    {"id": "data.etat", "name": "Data-État", "mission": "Partager, visualiser et réutiliser la donnée financière de l’État et ses opérateurs pour mieux piloter les politiques publiques", "incubator": "dinum", "sponsors": ["interieur", "mefsin"], "link": "https://www.dataregion.interieur.gouv.fr/", "repository": "https://github.com/dataregion", "phases": [("investigation", "2022-11-01", None), ("construction", "2023-03-01", None), ("acceleration", "2027-05-01", None)], "events": [("other", "2026-06-08", "Homologation ANSII pour 2 ans")]},
    {"id": "dossierfacile", "name": "DossierFacile", "mission": "Remettre la confiance au centre de la relation entre propriétaires et locataires", "incubator": "mtes", "sponsors": ["dgaln", "dhup"], "link": "https://www.dossierfacile.logement.gouv.fr/", "repository": "https://github.com/MTES-MCT/Dossier-Facile-Frontend", "phases": [("investigation", "2018-01-01", None), ("construction", "2018-03-01", None), ("acceleration", "2019-01-01", None), ("consolidation", "2024-10-14", None)], "events": [("national_impact", "2022-12-31", None), ("fast", "2024-01-01", "Montant de 300000€ pour la promotion 13")]},
    {"id": "mobilic", "name": "Mobilic", "mission": "Lutter contre le travail dissimulé dans le transport routier léger", "incubator": "mtes", "sponsors": ["mtes"], "link": "https://mobilic.beta.gouv.fr", "repository": "https://github.com/MTES-MCT/mobilic", "phases": [("investigation", "2019-11-01", None), ("construction", "2020-02-25", None), ("acceleration", "2021-01-01", None), ("consolidation", "2025-11-10", None)], "events": [("product_launch", "2020-02-15", "Première entreprise inscrite"), ("fast", "2023-09-01", "Montant de 300 000€ pour la promotion 13"), ("other", "2024-09-28", "Homologation sécurité de 6 mois"), ("other", "2025-03-06", "Parution de l'arrêté: Mobilic devient la seule solution 100% numérique conforme"), ("other", "2025-12-22", "Homologation de sécurité ferme de 3 ans")]},
    {"id": "alexi", "name": "Alexi", "mission": "Prévenir les impayés et les expulsions de locataires", "incubator": "mtes", "sponsors": ["dihal"], "link": "https://alexi.dihal.gouv.fr", "repository": None, "phases": [("investigation", "2025-04-21", None), ("construction", "2025-07-01", None), ("transfere", "2026-03-04", None)], "events": [("product_launch", "2026-03-04", "Mise en production sur les premiers départements pilotes")]},
    {"id": "les.bases", "name": "Les Bases du numérique d'intérêt général", "mission": "Faciliter le partage de ressources et communs pour les acteurs du numérique d'intérêt général", "incubator": "anct", "sponsors": ["anct"], "link": "https://lesbases.anct.gouv.fr/", "repository": "https://github.com/inclusion-numerique/la-base", "phases": [("investigation", "2021-09-01", None), ("construction", "2022-02-01", None), ("acceleration", "2023-05-01", None), ("opere", "2026-01-09", None)], "events": []},
    {"id": "dpm-facile", "name": "AMIDOMAR (Ex DPM Facile)", "mission": "Faciliter la gestion du DPM naturel face aux enjeux du changement climatique", "incubator": "mtes", "sponsors": ["dgaln"], "link": "https://amidomar.beta.gouv.fr/", "repository": None, "phases": [("investigation", "2025-06-17", None), ("construction", "2026-01-29", None)], "events": [("product_launch", "2025-06-17", None), ("committee", "2026-01-28", "poursuite du projet"), ("committee", "2026-11-12", "Date à arrêter")]},
    {"id": "achats-public-durables", "name": "Achats Public Durables", "mission": "Sensibiliser les acheteurs publics à la prise en compte des critères environnementaux", "incubator": "mtes", "sponsors": ["cgdd"], "link": None, "repository": None, "phases": [("investigation", "2024-04-04", None), ("abandon-investigation", "2026-01-05", None)], "events": [("other", "2025-01-17", None)]},
    {"id": "agora", "name": "Agora", "mission": "La première appli qui fait dialoguer les citoyens et le Gouvernement", "incubator": "dinum", "sponsors": ["ditp"], "link": "https://www.agora.gouv.fr/", "repository": "https://github.com/agora-gouv/agora-app", "phases": [("investigation", "2022-12-01", "2023-01-26"), ("construction", "2023-04-03", None)], "events": []},
]


def demo_available() -> bool:
    # JALONS_BROWSER_DATA=fiches forces the small set, to check that the journeys still pass on it.
    if os.environ.get("JALONS_BROWSER_DATA") == "fiches":
        return False
    return DEMO.is_dir() and importlib.util.find_spec("startups.importer") is not None


def load(today: dt.date) -> str:
    """Fill the current app's database and commit; returns which data set was loaded."""
    if demo_available():
        from startups.importer import import_directory

        import_directory(DEMO, today)
        db.session.commit()
        return "demo"
    organisations = {
        id: make_organisation(id, name=name, acronym=acronym, kind=kind, ministerial_domain=domain)
        for id, name, acronym, kind, domain in ORGANISATIONS
    }
    incubators = {
        id: make_incubator(id, name=name, owner=organisations[owner], website=website)
        for id, name, owner, website in INCUBATORS
    }
    for fiche in STARTUPS:
        startup = make_startup(
            fiche["id"],
            name=fiche["name"],
            mission=fiche["mission"],
            incubator=incubators[fiche["incubator"]],
            sponsors=[organisations[s] for s in fiche["sponsors"]],
            link=fiche["link"],
            repository=fiche["repository"],
            phases=[(phase, d(start), d(end) if end else None) for phase, start, end in fiche["phases"]],
            events=[(kind, d(on)) for kind, on, _ in fiche["events"]],
        )
        comments = {(kind, d(on)): comment for kind, on, comment in fiche["events"]}
        for event in startup.events:
            event.comment = comments[(event.kind.value, event.happened_on)]
    db.session.commit()
    return "fiches"


def add_person(name: str, email: str, *, memberships=(), incubators=(), organisation_id: str | None = None,
               is_admin: bool = False) -> int:
    """An account with current roles (since 2020-01-01): memberships as (startup_id, role) and incubator
    staff positions; committed. For the journeys that log in (additive, H12; is_admin: H14)."""
    from users import services
    from users.models import StartupRole

    since = dt.date(2020, 1, 1)
    person = services.create_person(email=email, name=name, organisation_id=organisation_id, is_admin=is_admin,
                                    now=clock.now())
    for startup_id, role in memberships:
        services.add_membership(person, startup_id, StartupRole(role), starts_on=since)
    for incubator_id in incubators:
        services.add_incubator_staff(person, incubator_id, starts_on=since)
    db.session.commit()
    return person.id


# --- Evidence: grids, committees, login links (additive, H14: evidence journey and pages' accessibility) --

def official_grids() -> None:
    """The three official evaluation grids as version 1 (what `flask grids seed` does), once; committed."""
    from grids.cli import seed as seed_grids

    seed_grids()
    db.session.commit()


def plan_committee(startup_id: str, scheduled_at: dt.datetime, *, kind: str = "semestriel",
                   place: str | None = "Salle du comité", video_link: str | None = None,
                   extra_participants=()) -> int:
    """A committee planned through the committees service (the team, sponsor and coach invited as the
    service proposes them), plus extra participants as (person_id, participant role); committed."""
    from committees import services
    from committees.models import CommitteeKind, ParticipantRole
    from startups.models import Startup
    from users.models import Person

    now = clock.now()
    committee = services.plan_committee(db.session.get(Startup, startup_id), kind=CommitteeKind(kind),
                                        scheduled_at=scheduled_at, place=place, video_link=video_link, chair=None,
                                        actor=None, now=now)
    for person_id, role in extra_participants:
        services.add_participant(committee, db.session.get(Person, person_id), ParticipantRole(role), actor=None, now=now)
    db.session.commit()
    return committee.id


def login_path(email: str) -> str:
    """The path of a fresh one-time login link for this account, as the login e-mail carries it; committed."""
    from users import services

    token = services.issue_login_token(services.find_person_by_email(email), now=clock.now())
    db.session.commit()
    return f"/users/login/{token}"
