"""Organisations (partner administrations) and incubators, managed by admins: create, edit, archive.
Rules as in startups/services.py: check, change, audit, flush; StartupError for a refusal."""

import dataclasses
import datetime as dt

from audit.services import changes, record, snapshot
from core.db import db
from core.values import jsonable
from startups.models import Incubator, Organisation
from startups.services import (
    StartupError,
    check_version,
    choose_id,
    clean_text,
    clean_url,
    flush,
    organisation_or_error,
)
from users.models import Person


@dataclasses.dataclass
class OrganisationData:
    name: str
    acronym: str | None = None
    kind: str | None = None
    ministerial_domain: str | None = None


ORGANISATION_FIELDS = ("name", "acronym", "kind", "ministerial_domain")


def _apply_organisation(organisation: Organisation, data: OrganisationData) -> None:
    values = {
        "name": clean_text(data.name, "Nom", required=True),
        "acronym": clean_text(data.acronym, "Sigle", max_length=100),
        "kind": clean_text(data.kind, "Type", max_length=100),
        "ministerial_domain": clean_text(data.ministerial_domain, "Périmètre ministériel", max_length=100),
    }
    for field, value in values.items():
        setattr(organisation, field, value)


def create_organisation(data: OrganisationData, *, id: str | None, actor: Person | None) -> Organisation:
    name = clean_text(data.name, "Nom", required=True)
    organisation = Organisation(id=choose_id(id, name, Organisation.id, "Identifiant"), name=name)
    _apply_organisation(organisation, data)
    db.session.add(organisation)
    flush(f"L'organisation « {name} »", True)
    record("organisation.created", "organisation", organisation.id, actor=actor,
           after=snapshot(organisation, ORGANISATION_FIELDS))
    return organisation


def edit_organisation(organisation: Organisation, data: OrganisationData, *, expected_version: int | None,
                      actor: Person | None) -> bool:
    what = f"L'organisation « {organisation.name} »"
    check_version(organisation, expected_version, what, True)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    _apply_organisation(organisation, data)
    before, after = changes(before, snapshot(organisation, ORGANISATION_FIELDS))
    if not after:
        return False
    flush(what, True)
    record("organisation.updated", "organisation", organisation.id, actor=actor, before=before, after=after)
    return True


def set_archived(obj: Organisation | Incubator, archived: bool, *, expected_version: int | None,
                 actor: Person | None, now: dt.datetime) -> None:
    """Archive (or restore) an organisation or an incubator: hidden from the lists, kept for the history."""
    kind = "organisation" if isinstance(obj, Organisation) else "incubator"
    feminine = kind == "organisation"
    what = f"L'organisation « {obj.name} »" if feminine else f"L'incubateur « {obj.name} »"
    check_version(obj, expected_version, what, feminine)
    if (obj.archived_at is not None) == archived:
        state = ("archivée" if archived else "active") if feminine else ("archivé" if archived else "actif")
        raise StartupError(f"{what} est déjà {state}.")
    before = {"archived_at": obj.archived_at}
    obj.archived_at = now if archived else None
    flush(what, feminine)
    record(f"{kind}.{'archived' if archived else 'restored'}", kind, obj.id, actor=actor, before=before,
           after={"archived_at": obj.archived_at})


@dataclasses.dataclass
class IncubatorData:
    name: str
    owner_id: str | None = None
    website: str | None = None
    github: str | None = None
    address: str | None = None
    description: str | None = None


INCUBATOR_FIELDS = ("name", "owner_id", "website", "github", "address", "description")


def _apply_incubator(incubator: Incubator, data: IncubatorData) -> None:
    values = {
        "name": clean_text(data.name, "Nom", required=True),
        "website": clean_url(data.website, "Site"),
        "github": clean_url(data.github, "GitHub"),
        "address": clean_text(data.address, "Adresse", max_length=500),
        "description": clean_text(data.description, "Description", max_length=5000, multiline=True),
    }
    owner = organisation_or_error(data.owner_id, "Organisation porteuse") if data.owner_id else None
    for field, value in values.items():
        setattr(incubator, field, value)
    incubator.owner = owner
    incubator.owner_id = owner.id if owner else None


def create_incubator(data: IncubatorData, *, id: str | None, actor: Person | None) -> Incubator:
    name = clean_text(data.name, "Nom", required=True)
    incubator = Incubator(id=choose_id(id, name, Incubator.id, "Identifiant"), name=name)
    _apply_incubator(incubator, data)
    db.session.add(incubator)
    flush(f"L'incubateur « {name} »")
    record("incubator.created", "incubator", incubator.id, actor=actor, after=snapshot(incubator, INCUBATOR_FIELDS))
    return incubator


def edit_incubator(incubator: Incubator, data: IncubatorData, *, expected_version: int | None,
                   actor: Person | None) -> bool:
    what = f"L'incubateur « {incubator.name} »"
    check_version(incubator, expected_version, what)
    before = snapshot(incubator, INCUBATOR_FIELDS)
    _apply_incubator(incubator, data)
    before, after = changes(before, snapshot(incubator, INCUBATOR_FIELDS))
    if not after:
        return False
    flush(what)
    record("incubator.updated", "incubator", incubator.id, actor=actor, before=before, after=after)
    return True


def field_sources(obj: Organisation | Incubator) -> dict[str, str]:
    """For the edit form, who owns each field now (README, « Who owns what »): the fiche's value, or Jalons'
    own edit that the next imports keep (and report as a conflict if the fiche changes too). Empty for a
    record never imported."""
    imported = obj.imported_values
    if not imported:
        return {}
    fields = ORGANISATION_FIELDS if isinstance(obj, Organisation) else INCUBATOR_FIELDS
    sources = {}
    for name in fields:
        if name not in imported:
            continue
        theirs = imported[name]
        if jsonable(getattr(obj, name)) == theirs:
            sources[name] = "Valeur de la fiche beta.gouv.fr."
        else:
            sources[name] = (f"Modifié dans Jalons (la fiche beta.gouv.fr indique « {theirs or 'rien'} ») : "
                             "les imports gardent la valeur de Jalons.")
    return sources
