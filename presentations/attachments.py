"""The files attached to a committee's presentation: PDF only (the deck and annexes), 20 MB each, at most
10, while the presentation is editable (presentations.services says why the bytes are kept in the database).
Each addition or removal is audited with the file's name, size and checksum, and flushed; the caller commits."""

import datetime as dt
import hashlib

from core import pdf
from core.pdf import PDF_CONTENT_TYPE, is_pdf, size_fr
from presentations.models import Attachment, Presentation, PresentationError
from presentations.services import _audit, _editable, _flush
from users.models import Person

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10

def clean_filename(filename: str | None) -> str:
    return pdf.clean_filename(filename, fallback="presentation")


def add_attachment(presentation: Presentation, *, filename: str | None, data: bytes, actor: Person | None,
                   now: dt.datetime) -> Attachment:
    """Attach a PDF to the presentation; anything else is refused and nothing is stored."""
    _editable(presentation)
    if not data:
        raise PresentationError("Le fichier envoyé est vide : choisissez le PDF de votre présentation.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise PresentationError(
            f"Le fichier fait {size_fr(len(data))} : un fichier joint ne peut pas dépasser "
            f"{size_fr(MAX_ATTACHMENT_BYTES)}. Réduisez-le (export PDF « taille réduite ») puis réessayez."
        )
    if not is_pdf(data):
        raise PresentationError(
            "Ce fichier n'est pas un PDF valide (son contenu ne commence pas par l'en-tête d'un PDF ou il est "
            "incomplet) : seuls les fichiers PDF sont acceptés. Exportez votre présentation en PDF puis réessayez."
        )
    if len(presentation.attachments) >= MAX_ATTACHMENTS:
        raise PresentationError(f"Une présentation a au plus {MAX_ATTACHMENTS} fichiers joints : retirez-en un d'abord.")
    attachment = Attachment(filename=clean_filename(filename), content_type=PDF_CONTENT_TYPE, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_at=now,
                            uploaded_by_id=actor.id if actor else None)
    presentation.attachments.append(attachment)
    presentation.updated_at = now
    _flush()
    _audit("presentation.attachment_added", presentation, actor,
           after={"attachment_id": attachment.id, "filename": attachment.filename, "size": attachment.size,
                  "sha256": attachment.sha256})
    return attachment


def remove_attachment(attachment: Attachment, *, actor: Person | None, now: dt.datetime) -> None:
    presentation = attachment.presentation
    _editable(presentation)
    details = {"attachment_id": attachment.id, "filename": attachment.filename, "sha256": attachment.sha256}
    presentation.attachments.remove(attachment)
    presentation.updated_at = now
    _flush()
    _audit("presentation.attachment_removed", presentation, actor, before=details)


def attachment_of(presentation: Presentation, attachment_id: int) -> Attachment | None:
    return next((a for a in presentation.attachments if a.id == attachment_id), None)
