"""Committee reminders: what is sent to whom (the kinds), the Reminder row that makes each one go out
exactly once, and the French e-mail of each kind.

The kinds and the Reminder row are in committees/models.py; when they are sent is committees/jobs.py's
business.
"""

import dataclasses
import datetime as dt
from urllib.parse import quote


from core.formats import date_fr, month_fr
from committees.models import ReminderKind
from core.mail import Mail


@dataclasses.dataclass(frozen=True)
class Due:
    """A reminder the rules say is due today, with what its e-mail says."""

    kind: ReminderKind
    startup_id: str
    committee_id: int | None
    person_id: int
    target_on: dt.date
    email: str
    person_name: str
    startup_name: str
    committee_at: dt.datetime | None = None  # the committee's date and time (aware, UTC)
    # INDICATORS_*: the months asked for, from target_on (1: last month; 3: last quarter) and the missing ones.
    months: int = 1
    missing: tuple[dt.date, ...] = ()

    @property
    def period_end(self) -> dt.date:
        index = self.target_on.year * 12 + self.target_on.month - 1 + self.months - 1
        return dt.date(index // 12, index % 12 + 1, 1)

    @property
    def key(self) -> tuple:
        return (self.kind, self.committee_id if self.kind.about_committee else self.startup_id, self.person_id, self.target_on)


def link(base_url: str, due: Due) -> str:
    """The page the e-mail points to, as an absolute URL from BASE_URL."""
    base = base_url.rstrip("/")
    if due.kind is ReminderKind.PLAN_COMMITTEE:
        return f"{base}/startups/{quote(due.startup_id, safe='')}"
    if due.kind is ReminderKind.READ_PACK:
        return f"{base}/committees/{due.committee_id}/pack"
    if due.kind.about_indicators:
        return f"{base}/indicators/{quote(due.startup_id, safe='')}/values?fin={due.period_end:%Y-%m}"
    return f"{base}/committees/{due.committee_id}"


def _when(due: Due) -> str:
    from committees.models import datetime_fr  # noqa: PLC0415 (see the module docstring)

    return datetime_fr(due.committee_at) if due.committee_at else date_fr(due.target_on)


SIGNATURE = "\n\n—\nJalons, le suivi des Startups d'État de beta.gouv.fr\nCet e-mail est envoyé automatiquement : merci de ne pas y répondre."


def compose(due: Due, base_url: str) -> Mail:
    """The French e-mail of a reminder."""
    url = link(base_url, due)
    name = due.startup_name
    hello = f"Bonjour {due.person_name},\n\n"
    if due.kind is ReminderKind.PLAN_COMMITTEE:
        subject = f"{name} : comité d'investissement à planifier avant le {date_fr(due.target_on)}"
        body = (
            f"Le prochain comité d'investissement de {name} doit se tenir au plus tard le "
            f"{date_fr(due.target_on)} (six mois après le dernier comité ou le début de la phase en cours), "
            "et aucun comité n'est encore planifié.\n\n"
            "Merci de le planifier dès maintenant avec l'équipe et le sponsor : la décision doit être prise "
            "avant la fin de l'enveloppe en cours (un bon de commande demande environ un mois).\n\n"
            f"Fiche de la startup : {url}"
        )
    elif due.kind is ReminderKind.PREPARE_PRESENTATION:
        subject = f"{name} : préparez votre présentation pour le comité du {date_fr(due.target_on)}"
        body = (
            f"Le comité d'investissement de {name} se tient le {_when(due)}.\n\n"
            "Merci de préparer votre présentation : les progrès (problème, stratégie des six derniers mois, "
            "démonstration, indicateurs et impact observé, stratégie des six prochains mois) et votre demande "
            "(équipe, enveloppe pour six mois, hypothèses à valider, critères de réussite chiffrés). "
            "Elle est attendue une semaine avant le comité.\n\n"
            f"Page du comité : {url}"
        )
    elif due.kind is ReminderKind.READ_PACK:
        subject = f"{name} : comité d'investissement le {date_fr(due.target_on)}, le dossier à lire"
        body = (
            f"Vous participez au comité d'investissement de {name}, le {_when(due)}.\n\n"
            "Le dossier du comité (présentation, indicateurs, demande de l'équipe) est à lire avant la séance :\n"
            f"{url}"
        )
    elif due.kind is ReminderKind.RECORD_DECISION:
        subject = f"{name} : la décision du comité du {date_fr(due.target_on)} reste à saisir"
        body = (
            f"Le comité d'investissement de {name} s'est tenu le {date_fr(due.target_on)} et sa décision n'est "
            "pas encore saisie.\n\n"
            "Sans décision, l'équipe ne peut pas être payée (bon de commande). Merci de la saisir : décision, "
            "enveloppe de la prochaine période, taille de l'équipe, hypothèses, critères de réussite et date "
            "du prochain comité.\n\n"
            f"Page du comité : {url}"
        )
    elif due.kind.about_indicators:
        period = month_fr(due.target_on) if due.months == 1 else f"{month_fr(due.target_on)} à {month_fr(due.period_end)}"
        missing = ", ".join(month_fr(m) for m in due.missing) or period
        if due.kind is ReminderKind.INDICATORS_REQUEST:
            subject = f"{name} : les indicateurs de {period} sont à saisir"
            intro = f"Le mois commence : merci de saisir les valeurs des indicateurs de {name} pour {period}."
        else:
            subject = f"{name} : rappel, les indicateurs de {period} ne sont pas encore saisis"
            intro = f"Les valeurs des indicateurs de {name} pour {period} ne sont pas encore toutes saisies."
        body = (
            f"{intro}\n\nMois à compléter : {missing}.\n\n"
            "Ces valeurs alimentent le suivi de la startup par son coach, son incubateur et ses sponsors, "
            "et le dossier de son prochain comité d'investissement.\n\n"
            f"Saisir les valeurs : {url}"
        )
    else:
        subject = f"{name} : la décision du comité du {date_fr(due.target_on)} attend votre validation"
        body = (
            f"La décision du comité d'investissement de {name}, saisie le {date_fr(due.target_on)}, attend "
            "votre validation depuis une semaine.\n\n"
            "Merci de la valider, ou de la contester avec un commentaire :\n"
            f"{url}"
        )
    return Mail(to=due.email, subject=subject, body=hello + body + SIGNATURE)
