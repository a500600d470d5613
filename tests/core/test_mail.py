"""E-mails survive the wire format: every subject and name comes back as it was written."""

import datetime as dt
import email
import email.policy

import pytest
from email.header import Header

import core.mail
from committees.models import ReminderKind
from committees.reminders import Due, compose
from core.mail import Mail, build

SENDER = "Jalons <ne-pas-repondre@jalons.beta.gouv.fr>"
NAMES = [
    "Startup Éloignée",
    "Aide à l'Accès aux Droits Sociaux des Étudiants Boursiers d'Outre-mer",
    "Référentiel Unique des Établissements Médico-Sociaux et Sanitaires de Guyane française",
    "Accès" * 12,
    "x" * 40 + " École",
]


def round_trip(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


@pytest.mark.parametrize("kind", list(ReminderKind))
def test_every_reminder_keeps_its_subject_and_names_through_the_wire(kind):
    for n, name in enumerate(NAMES):
        for padding in range(0, 30, 3):  # moves the folding points through the subject
            startup_name = name + " é" * padding
            due = Due(kind=kind, startup_id="aide-à-l-accès", committee_id=3, person_id=1,
                      target_on=dt.date(2026, 12, 5), email="iris@example.gouv.fr",
                      person_name=f"Hélène Dupont-Lefèvre {n}", startup_name=startup_name,
                      committee_at=dt.datetime(2026, 12, 5, 13, tzinfo=dt.timezone.utc))
            mail = compose(due, "https://jalons.example.gouv.fr")
            back = round_trip(build(mail, SENDER))
            assert back["Subject"] == mail.subject
            # The indicators' requests name the month asked for, not a day.
            expected = "décembre 2026" if kind.about_indicators else "5 décembre 2026"
            assert expected in back["Subject"] or kind is ReminderKind.SIGN_OFF_DECISION
            assert back.get_content().replace("\r\n", "\n").rstrip("\n") == mail.body
            assert f"Bonjour Hélène Dupont-Lefèvre {n}," in back.get_content()


def test_long_french_subjects_keep_every_space():
    """Python's own folder dropped the space after an encoded word (« le 5décembre 2026 »)."""
    words = "Réunion du comité d'investissement de l'équipe à Besançon le 5 décembre 2026 à 14 h".split()
    for length in range(1, 120):
        subject = " ".join(["Accès" * (length % 9 + 1)] + words * (length // 30 + 1))[:length + 40]
        back = round_trip(build(Mail("a@example.gouv.fr", subject, "corps"), SENDER))
        assert back["Subject"] == " ".join(subject.split())


def test_a_control_character_in_a_header_becomes_a_space():
    back = round_trip(build(Mail("a@example.gouv.fr", "Ma\nStartup\r\n\x00\u2028: rappel", "corps"), SENDER))
    assert back["Subject"] == "Ma Startup : rappel"


def test_the_given_message_id_is_kept():
    back = round_trip(build(Mail("a@example.gouv.fr", "Objet", "corps", message_id="<rappel.abc@jalons.beta.gouv.fr>"), SENDER))
    assert back["Message-ID"] == "<rappel.abc@jalons.beta.gouv.fr>"


@pytest.mark.parametrize("subject", [
    "Votre lien de connexion à Jalons",
    "Vous rejoignez l'équipe de « {name} » sur Jalons",
    "Vous rejoignez l'équipe de l'incubateur « {name} » sur Jalons",
])
def test_the_account_emails_keep_their_subject_through_the_wire(subject):
    for name in NAMES:
        for padding in range(0, 30, 3):
            text = subject.format(name=name + " é" * padding)
            back = round_trip(build(Mail("nora@example.gouv.fr", text, f"Bonjour {name},\n"), SENDER))
            assert back["Subject"] == text
            assert back.get_content().replace("\r\n", "\n") == f"Bonjour {name},\n"


def test_a_batch_parses_its_shared_headers_once_and_sends_what_each_e_mail_alone_would(monkeypatch):
    """Inside a batch (mail.connection()) the sender and the fixed headers are parsed once, a subject parsed
    and encoded once for every e-mail that has it: the bytes on the wire are those of each e-mail built on
    its own."""
    shared, batched_bytes = {}, []
    for n, name in enumerate(NAMES):
        for person in ("Nora Éloi", "Jean Dupont", "Iris Bâ"):
            mail = Mail(f"p{n}@example.gouv.fr", f"{name} : comité d'investissement le 3 décembre 2026",
                        f"Bonjour {person},\n\nLe dossier est à lire.", message_id=f"<rappel.{n}@jalons.beta.gouv.fr>")
            alone, batched = build(mail, SENDER), build(mail, SENDER, shared)
            batched.replace_header("Date", alone["Date"])
            batched_bytes.append(batched)
            assert batched.as_bytes() == alone.as_bytes()
    assert len(shared) == 2 + len(NAMES)  # From, Auto-Submitted, and one subject per startup

    encoded = []
    monkeypatch.setattr(core.mail, "Header", lambda *args, **kwargs: encoded.append(args[0]) or Header(*args, **kwargs))
    again = [message.as_bytes() for message in batched_bytes]
    assert encoded == []  # every subject of the batch was encoded once, above
    monkeypatch.undo()
    assert again == [message.as_bytes() for message in batched_bytes]
