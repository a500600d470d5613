"""The results of a committee's grid as CSV, for Excel as French users open it.

Format: UTF-8 with a byte order mark (Excel otherwise reads it as Windows-1252 and breaks the accents),
`;` as separator and the decimal comma (what a French Excel expects), CRLF line ends (the csv module's
default). Sections one after the other, separated by an empty row:
1. the grid and the committee (key ; value rows);
2. per version used, one row per scored criterion: section ; code ; criterion ; weight ; count ; mean ;
   median ; standard deviation (population) ; min ; max ; disagreement (oui/non), then the overall
   weighted mean and the abstentions;
3. the participants' answers, one row per participant and criterion (scores, answers, comments), and the
   abstentions with their declaration.
The view only serves it when the scores are visible to the person who asks (grids.services.scores_visible).
"""

import io
from collections.abc import Sequence

from committees.models import Committee, datetime_fr
from core import csv_safe
from grids.models import CriterionKind, FieldType, GridTemplate
from grids.services import VersionResults
from grids.stats import decimal_comma

BOM = "\ufeff"


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def results_csv(committee: Committee, template: GridTemplate, results: Sequence[VersionResults]) -> bytes:
    buffer = io.StringIO()
    # Every cell goes through core.csv_safe: a name or comment typed as a formula is not run by Excel.
    writer = csv_safe.writer(buffer, delimiter=";")
    writer.writerow(["Grille", template.title])
    writer.writerow(["Comité", f"{committee.startup.name} — {committee.kind.label}"])
    writer.writerow(["Date", datetime_fr(committee.scheduled_at)])
    writer.writerow(["Écart-type", "population (écart-type des notes données, sans correction d'échantillon)"])
    writer.writerow(["Désaccord", "au moins deux notes et un écart entre la plus basse et la plus haute "
                                  "d'au moins la moitié de l'échelle"])
    for result in results:
        version = result.version
        writer.writerow([])
        writer.writerow([f"Résultats — version {version.number}", f"échelle de {version.scale_min} à {version.scale_max}"])
        writer.writerow(["Section", "Code", "Critère", "Poids", "Notes", "Moyenne", "Médiane", "Écart-type",
                         "Minimum", "Maximum", "Désaccord"])
        for row in result.criteria:
            s = row.stats
            writer.writerow([
                row.criterion.section, row.criterion.code, row.criterion.label,
                decimal_comma(float(row.criterion.weight)), s.count, decimal_comma(s.mean), decimal_comma(s.median),
                decimal_comma(s.std), "" if s.minimum is None else s.minimum, "" if s.maximum is None else s.maximum,
                _yes_no(s.disagreement),
            ])
        label = "Moyenne générale pondérée" if version.has_weights else "Moyenne générale"
        writer.writerow([label, "", "", "", len(result.scoring), decimal_comma(result.overall_mean)])
        writer.writerow(["Abstentions", len(result.abstentions)])

        writer.writerow([])
        writer.writerow([f"Réponses des participants — version {version.number}"])
        writer.writerow(["Participant", "Code", "Critère", "Note", "Réponse", "Commentaire"])
        for grid in result.grids:
            if grid.abstained:
                writer.writerow([grid.person.name, "", "Abstention (conflit d'intérêts)", "",
                                 grid.conflict_of_interest, ""])
                continue
            for criterion in version.active_criteria:
                answer = grid.answer_for(criterion)
                if answer is None:
                    continue
                text = answer.text or ""
                if criterion.kind is not CriterionKind.SCORED and criterion.field_type is FieldType.MONEY_EUR and text:
                    text = f"{text} €"
                writer.writerow([grid.person.name, criterion.code, criterion.label,
                                 "" if answer.score is None else answer.score, text, answer.comment])
            if grid.comment:
                writer.writerow([grid.person.name, "", "Commentaire général", "", "", grid.comment])
    return (BOM + buffer.getvalue()).encode("utf-8")
