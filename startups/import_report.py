"""What an import of beta.gouv.fr fiches reports (startups.importer): for each kind of fiche, how many were
created, updated or left unchanged, and which were rejected, older than Jalons, kept as Jalons has them
or in conflict; the placeholders it created and the files it left aside."""

import dataclasses

from startups.phases import Phase

CREATED, UPDATED, UNCHANGED, OLDER = "created", "updated", "unchanged", "older"


@dataclasses.dataclass
class KindReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (file, reason)
    # Fiches older than what Jalons holds, left without any change: (file, why).
    older: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # What a fiche would have changed and that was kept as Jalons has it: (file, what and why). A fiche
    # with kept items still counts as created, updated or unchanged for the rest.
    kept: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Changed in Jalons and upstream alike, kept as Jalons has it: (file, the fields or phases).
    conflicts: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def number(self, outcome: str) -> int:
        """How many fiches had this outcome (created, updated, unchanged, older, rejected)."""
        value = getattr(self, outcome)
        return len(value) if isinstance(value, list) else value


@dataclasses.dataclass
class ImportReport:
    organisations: KindReport = dataclasses.field(default_factory=KindReport)
    incubators: KindReport = dataclasses.field(default_factory=KindReport)
    startups: KindReport = dataclasses.field(default_factory=KindReport)
    # Rows created because a fiche refers to them without a fiche of their own in the folder:
    # ("organisation" | "incubator", id). Inline sponsors of 2021 fiches are listed here too.
    placeholders: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Files of the fiche folders that are not `.md` fiches (left aside, e.g. `_organisations/Préfecture`).
    skipped: list[str] = dataclasses.field(default_factory=list)
    by_phase: dict[Phase | None, int] = dataclasses.field(default_factory=dict)

    @property
    def kinds(self) -> dict[str, KindReport]:
        return {"organisations": self.organisations, "incubators": self.incubators, "startups": self.startups}

    @property
    def rejected(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.rejected]

    @property
    def older(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.older]

    @property
    def kept(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.kept]

    @property
    def conflicts(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.conflicts]

    def total(self, outcome: str) -> int:
        return sum(kind.number(outcome) for kind in self.kinds.values())


@dataclasses.dataclass
class FicheNotes:
    """What one fiche leaves for the report, kept only when its savepoint succeeds."""

    placeholders: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    older: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)
    conflicts: list[str] = dataclasses.field(default_factory=list)
