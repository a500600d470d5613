"""Every command's --today (core.dates.Day): a date AAAA-MM-JJ of 1900..2100, else a French usage error
(exit code 2) before the command does anything."""

import pytest

COMMANDS = [
    ["committees", "remind"],
    ["conventions", "alerts"],
    ["conventions", "import", "absent.csv"],
    ["import-betagouv", "absent"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_today_that_is_no_date_or_out_of_range_is_refused_in_french(app, command):
    runner = app.test_cli_runner()
    for value, said in (("27/11/2026", "« 27/11/2026 » n'est pas une date au format AAAA-MM-JJ."),
                        ("0001-01-01", "L'année doit être comprise entre 1900 et 2100 (reçu : 1)."),
                        ("9999-12-31", "L'année doit être comprise entre 1900 et 2100 (reçu : 9999)."),
                        ("", "la date est vide : attendu AAAA-MM-JJ.")):
        result = runner.invoke(args=[*command, "--today", value])
        assert result.exit_code == 2, (command, value, result.output)
        assert said in result.output, (command, value, result.output)
        assert "Traceback" not in result.output
