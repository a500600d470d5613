"""The application as gunicorn (`gunicorn wsgi:app`) and `flask` (FLASK_APP=wsgi, which Flask also picks by
itself in this directory) load it: a configuration error is one French line on stderr and exit code 3,
not a traceback. 3 is gunicorn's « worker failed to boot »: the master stops instead of starting workers
again and again."""

import os
import sys

from app import create_app
from core.config import ConfigError

EXIT_CONFIG = 3


def load():
    try:
        return create_app()
    except ConfigError as error:
        hint = ""
        if not os.environ.get("JALONS_ENV"):
            hint = (" (JALONS_ENV n'est pas défini : c'est la production ; sur un poste de développement, "
                    "lancez « make run » ou définissez JALONS_ENV=development)")
        print(f"Jalons — erreur de configuration : {error}{hint}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


app = load()
