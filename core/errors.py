"""Error pages in French: HTML for people, JSON under /api/ for programs. Never a bare 500."""

from flask import Flask, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

TITLES = {
    400: ("Requête invalide", "La requête n'a pas pu être comprise."),
    403: ("Accès refusé", "Vous n'avez pas le droit d'accéder à cette page."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable."),
    405: ("Méthode non autorisée", "Cette adresse n'accepte pas cette méthode."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives", "Trop de demandes en peu de temps : réessayez dans quelques minutes."),
    500: ("Erreur inattendue", "Une erreur est survenue. L'équipe en a été informée."),
}
API_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             413: "too_large", 429: "too_many_requests", 500: "internal_error"}


def _respond(code: int, description: str | None = None):
    title, default_message = TITLES.get(code, (f"Erreur {code}", ""))
    # Werkzeug's own English descriptions are not shown; a view that aborts with a French description is.
    message = description if description and not description.isascii() else default_message
    if request.path.startswith("/api/"):
        body = {"error": {"code": API_CODES.get(code, "error"), "message": message, "parameter": None}}
        return app_json(body, code)
    return render_template("error.html", code=code, title=title, message=message), code


def app_json(body: dict, code: int):
    from flask import current_app

    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=code, mimetype="application/json")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _respond(error.code, error.description)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return _respond(500)
