"""Login (e-mail link, ProConnect, demo personas), logout, and the person's own page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for

from core import clock, urls
from core.db import db
from users import proconnect, services
from users.forms import DEMO_PERSONAS, ConfirmLoginForm, DemoLoginForm, DinumFinanceForm, LoginForm, LogoutForm
from users.models import Person
from users.permissions import authorize, current_person, public, requires

bp = Blueprint("users", __name__, url_prefix="/users")
# Absolute URLs for e-mails and ProConnect: from BASE_URL, never from the request's Host header when it is set.
external_url = urls.external_url


def log_in(person, next_url: str | None, proconnect_id_token: str | None = None):
    """Open a fresh session for person (the old one is cleared: no session fixation), then go on."""
    now = clock.now()
    services.record_login(person, now=now)
    db.session.commit()
    session.clear()
    session["person_id"] = person.id
    session["login_at"] = now.isoformat()
    session["session_version"] = person.session_version
    session["person_name"] = person.name  # shown by the error pages, which never query (core/errors.py)
    session.permanent = True
    if proconnect_id_token:
        session["proconnect_id_token"] = proconnect_id_token  # to end the ProConnect session at logout
    flash(f"Vous êtes connecté·e en tant que {person.name}.", "success")
    return redirect(services.safe_next(next_url) or url_for("home"), 303)


def _login_page(form: LoginForm, status: int = 200):
    demo_form = None
    if current_app.config.get("JALONS_DEMO"):
        demo_form = DemoLoginForm(formdata=None, next=form.next.data)
    return render_template(
        "users/login.html",
        form=form,
        demo_form=demo_form,
        personas=DEMO_PERSONAS,
        proconnect_enabled=proconnect.enabled(),
        next_url=services.safe_next(form.next.data),
    ), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = services.safe_next(request.args.get("next"))
    if form.validate_on_submit():
        next_url = services.safe_next(form.next.data)
        try:
            services.request_login_link(
                form.email.data,
                ip=request.remote_addr,
                now=clock.now(),
                link_for=lambda token: external_url("users.login_token", token=token, next=next_url),
            )
        except services.RateLimited as error:
            db.session.commit()  # the purge of old attempts; nothing else was written
            return render_template("users/rate_limited.html", message=str(error)), 429
        except services.UsersError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
            return _login_page(form, 200)
        db.session.commit()  # the e-mail leaves now, if the address belongs to an active account
        flash(
            f"Un lien de connexion vous a été envoyé si l'adresse {form.email.data.strip()} correspond à un "
            f"compte Jalons. Il est valable {current_app.config['LOGIN_TOKEN_MINUTES']} minutes et ne sert "
            "qu'une fois.",
            "info",
        )
        return redirect(url_for("users.login", next=next_url), 303)
    return _login_page(form)


@bp.route("/login/<token>", methods=["GET", "POST"])
@public
def login_token(token: str):
    form = ConfirmLoginForm()
    if request.method == "GET":
        form.next.data = services.safe_next(request.args.get("next"))
    now = clock.now()
    if form.validate_on_submit():
        try:
            person = services.consume_login_token(token, now=now)
        except services.UsersError as error:
            db.session.rollback()
            return render_template("users/link_invalid.html", message=str(error)), 410
        return log_in(person, form.next.data)
    row = services.find_login_token(token, now=now)
    if row is None:
        return render_template(
            "users/link_invalid.html",
            message="Ce lien de connexion n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.",
        ), 410
    return render_template("users/confirm_login.html", form=form, person=row.person)


@bp.post("/logout")
@public
def logout():
    # Anonymous or not, a logout only ever closes a session; the CSRF token stops cross-site logouts.
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    id_token = session.get("proconnect_id_token")
    person = current_person()
    if person is not None:
        # The cookie is only signed: clearing it here leaves any copy of it valid unless the server says no.
        services.end_sessions(person)
        db.session.commit()
    session.clear()
    flash("Vous êtes déconnecté·e.", "info")
    if id_token and proconnect.enabled():
        end_session = proconnect.logout_url(id_token, external_url("home"))
        if end_session:
            return redirect(end_session, 303)
    return redirect(url_for("home"), 303)


@bp.get("/me")
@requires("account.use")
def me():
    person = current_person()
    authorize("account.use", person)
    return render_template("users/me.html", person=person)


@bp.get("/proconnect/login")
@public
def proconnect_login():
    if not proconnect.enabled():
        abort(404)
    session["proconnect_next"] = services.safe_next(request.args.get("next"))
    try:
        return proconnect.authorize_redirect(external_url("users.proconnect_callback"))
    except proconnect.ProConnectError:
        return render_template("users/proconnect_failed.html"), 502


@bp.get("/proconnect/callback")
@public
def proconnect_callback():
    if not proconnect.enabled():
        abort(404)
    try:
        claims = proconnect.finish_login()
    except proconnect.ProConnectError:
        return render_template("users/proconnect_failed.html"), 400
    try:
        person = services.match_proconnect_agent(sub=claims["sub"], email=claims.get("email"), now=clock.now())
    except services.UsersError:
        db.session.rollback()
        return render_template("users/proconnect_unknown.html", email=claims.get("email")), 403
    return log_in(person, session.pop("proconnect_next", None), proconnect_id_token=claims.get("id_token"))


@bp.post("/demo")
@public
def demo_login():
    """One-click login as a demo persona: development only (JALONS_DEMO, refused in production)."""
    if not current_app.config.get("JALONS_DEMO"):
        abort(404)
    form = DemoLoginForm()
    if not form.validate_on_submit():
        abort(400)
    email = DEMO_PERSONAS[form.persona.data][0]
    person = services.find_person_by_email(email)
    if person is None or not person.is_active:
        flash("Les personas de démonstration n'existent pas encore : lancez « flask users seed-demo ».", "error")
        return redirect(url_for("users.login"), 303)
    return log_in(person, form.next.data)


@bp.route("/<int:person_id>/finance", methods=["GET", "POST"])
@requires("person.manage")
def dinum_finance(person_id: int):
    """An admin grants or removes the « finance DINUM » flag (audited)."""
    person = db.get_or_404(Person, person_id)
    authorize("person.manage", person)
    form = DinumFinanceForm()
    if request.method == "GET":
        form.dinum_finance.data = bool(person.is_dinum_finance)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                changed = services.set_dinum_finance(person, bool(form.dinum_finance.data), actor=current_person(),
                                                     now=clock.now())
                db.session.commit()
            except services.UsersError as error:
                db.session.rollback()
                form.dinum_finance.errors.append(str(error))
            else:
                if not changed:
                    flash("Rien n'a changé.", "info")
                elif person.is_dinum_finance:
                    flash(f"{person.name} a désormais l'habilitation finance DINUM.", "success")
                else:
                    flash(f"{person.name} n'a plus l'habilitation finance DINUM.", "success")
                return redirect(url_for("users.dinum_finance", person_id=person.id), 303)
    return render_template("users/finance.html", person=person, form=form), status


# Personal data: export (/users/me/data.json) and anonymisation by an admin (users/privacy.py).
from users import privacy  # noqa: E402

privacy.register_routes(bp)
