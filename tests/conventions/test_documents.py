"""The signed PDF of a convention and of its avenants: PDF only (by content), 20 MB at most, stored in the
database, each upload kept beside the earlier ones, audited; downloaded by whoever sees the convention, by
anyone once it is published."""

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import amendments, services
from conventions.models import SignedDocument
from conventions.services import MAX_DOCUMENT_BYTES
from conventions.values import ConventionError
from core.db import db
from tests.conventions.builders import seed_convention
from tests.conventions.test_pages import text
from tests.factories import login, make_membership, make_organisation, make_person, make_startup

NOW = dt.datetime(2024, 11, 27, 10, tzinfo=dt.timezone.utc)
TRAILER = b"\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


def a_pdf(size: int = 200) -> bytes:
    head = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    return head + b"%" * (size - len(head) - len(TRAILER)) + TRAILER


def documents():
    return db.session.scalar(sa.select(sa.func.count()).select_from(SignedDocument))


def test_a_pdf_of_the_limit_is_kept_one_byte_more_is_refused(app):
    convention, _, finance = seed_convention()
    with pytest.raises(ConventionError, match="ne peut pas dépasser 20,0 Mo"):
        services.upload_signed_document(convention, filename="c.pdf", data=a_pdf(MAX_DOCUMENT_BYTES + 1), actor=finance, now=NOW)
    assert documents() == 0
    kept = services.upload_signed_document(convention, filename="c.pdf", data=a_pdf(MAX_DOCUMENT_BYTES), actor=finance, now=NOW)
    db.session.expire_all()
    assert kept.size == MAX_DOCUMENT_BYTES and len(kept.data) == MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Le fichier envoyé est vide"),
    (b"<html>%PDF-1.4 startxref %%EOF</html>", "n'est pas un PDF valide"),
    (b"%PDF-1.4\n" + b"\x00" * 2000, "n'est pas un PDF valide"),  # cut short: no %%EOF
])
def test_what_is_not_a_pdf_is_refused_in_french(app, data, message):
    convention, _, finance = seed_convention()
    with pytest.raises(ConventionError, match=message):
        services.upload_signed_document(convention, filename="c.pdf", data=data, actor=finance, now=NOW)
    assert documents() == 0


def test_a_draft_has_no_signed_pdf(app):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    draft = services.create_convention(actor=finance, partner=make_organisation(name="Partenaire"),
                                       startups=[make_startup(name="S")], years={2024: (100, 100)}, title="Brouillon",
                                       ends_on=dt.date(2024, 12, 31))
    with pytest.raises(ConventionError, match="pas encore signée"):
        services.upload_signed_document(draft, filename="c.pdf", data=a_pdf(), actor=finance, now=NOW)


def test_a_new_upload_keeps_the_earlier_one_and_both_are_audited(app):
    convention, _, finance = seed_convention()
    first = services.upload_signed_document(convention, filename="v1.pdf", data=a_pdf(300), actor=finance, now=NOW)
    second = services.upload_signed_document(convention, filename="C:\\scans\\v2", data=a_pdf(400), actor=finance, now=NOW)
    assert second.filename == "v2.pdf" and convention.signed_document() is second
    assert [d.id for d in convention.documents] == [first.id, second.id]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "convention.document_uploaded")
                                .order_by(AuditEvent.id)).all()
    assert [e.after["filename"] for e in events] == ["v1.pdf", "v2.pdf"]
    assert events[1].before == {"filename": "v1.pdf", "sha256": first.sha256}


@pytest.mark.usefixtures("fixed_today")
def test_the_pdf_is_uploaded_by_finance_and_downloaded_by_who_sees_the_convention(client):
    convention, startup, finance = seed_convention()
    sponsor, outsider = make_person("Sophie Sponsor"), make_person("Olivier")
    make_membership(sponsor, startup, "sponsor")
    url = f"/conventions/{convention.id}/documents"
    login(client, sponsor)
    assert client.get(url).status_code == 403
    login(client, finance)
    refused = client.post(url, data={"amendment": "", "fichier": (io.BytesIO(b"GIF89a"), "scan.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "n'est pas un PDF valide" in text(refused)
    empty = client.post(url, data={"amendment": ""}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choisissez le fichier PDF signé" in text(empty)
    too_big = client.post(url, data={"amendment": "", "fichier": (io.BytesIO(a_pdf(MAX_DOCUMENT_BYTES + 1)), "gros.pdf")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 422 and "ne peut pas dépasser" in text(too_big)
    assert documents() == 0
    response = client.post(url, data={"amendment": "", "fichier": (io.BytesIO(a_pdf()), "Convention signée.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    document = db.session.scalars(sa.select(SignedDocument)).one()
    assert "Convention signée.pdf" in text(client.get(f"/conventions/{convention.id}"))
    for person, expected in ((sponsor, 200), (outsider, 404), (None, 404)):
        if person is None:
            with client.session_transaction() as session:
                session.clear()
        else:
            login(client, person)
        download = client.get(f"/conventions/documents/{document.id}")
        assert download.status_code == expected
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/",
                              datagouv_published_on=dt.date(2024, 2, 1))
    download = client.get(f"/conventions/documents/{document.id}")
    assert download.status_code == 200 and download.data == a_pdf()
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "PDF signé" in text(client.get(f"/conventions/budget/{startup.id}"))


@pytest.mark.usefixtures("fixed_today")
def test_an_avenant_carries_its_own_signed_pdf(client):
    convention, _, finance = seed_convention()
    amendments.amend(convention, summary="Prolongation", partner_signed_on=dt.date(2024, 6, 1),
                   dinum_signed_on=dt.date(2024, 6, 2), ends_on=dt.date(2025, 3, 31), actor=finance,
                   today=dt.date(2024, 11, 27))
    login(client, finance)
    response = client.post(f"/conventions/{convention.id}/documents",
                           data={"amendment": "1", "fichier": (io.BytesIO(a_pdf()), "avenant-1.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    document = db.session.scalars(sa.select(SignedDocument)).one()
    assert document.amendment_id == convention.amendments[0].id
    assert "L'avenant n° 1 signé (PDF, avenant-1.pdf)" in text(client.get(f"/conventions/{convention.id}"))
