from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField
from wtforms.validators import AnyOf, Length

from core.fields import Required, SingleLine

DEMO_PERSONAS = {
    # key: (e-mail, name, label on the login page)
    "admin": ("admin@demo.jalons.example", "Camille Martin (démo)", "un·e admin"),
    "coach": ("coach@demo.jalons.example", "Karim Benali (démo)", "un·e coach"),
    "intrapreneur": ("intrapreneur@demo.jalons.example", "Sophie Durand (démo)", "un·e intrapreneur·e"),
    "sponsor": ("sponsor@demo.jalons.example", "Jean Lefèvre (démo)", "un·e sponsor"),
}


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[Required("Indiquez votre adresse e-mail."), SingleLine(), Length(max=320)],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    next = HiddenField()


class ConfirmLoginForm(FlaskForm):
    """Opening the link shows this form: only its POST uses the token (mail scanners follow links)."""

    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class DemoLoginForm(FlaskForm):
    persona = HiddenField(validators=[AnyOf(list(DEMO_PERSONAS))])
    next = HiddenField()


class DinumFinanceForm(FlaskForm):
    dinum_finance = BooleanField("Finance DINUM : gère les conventions, les mises à disposition, les bons de commande "
                                 "et les paiements, et reçoit les alertes de la DINUM")
