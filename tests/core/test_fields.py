"""The shared fields: one-line texts refuse control characters, multi-line ones keep their lines, dates and
amounts stay within the domain's bounds, each refusal naming the field (and the bound)."""

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from core.bounds import AMOUNT_EUR, PROGRAMME_START, DateWindow, years_after
from core.fields import Bounded, LineField, PlausibleDate, TextField


def _form(**data):
    from flask_wtf import FlaskForm
    from wtforms import DateField, IntegerField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = LineField("Nom")
        text = TextField("Mission")
        day = DateField("Date", validators=[PlausibleDate(DateWindow.between(dt.date(2013, 1, 1), dt.date(2028, 12, 5)))])
        amount = IntegerField("Budget", validators=[Bounded(AMOUNT_EUR)])

    form = Form(formdata=MultiDict(data))
    form.validate()
    return form


@pytest.mark.parametrize("value", ["Ma\nStartup", "Ma\rStartup", "Ma\tStartup", "Ma\x00Startup", "Ma\x1bStartup",
                                   "Ma\u2028Startup", "Ma\x85Startup"])
def test_a_single_line_field_refuses_every_control_character(app, value):
    with app.test_request_context():
        form = _form(name=value)
    assert form.name.errors and form.name.errors[0].startswith("« Nom » doit tenir sur une ligne")


def test_a_multi_line_field_keeps_line_feeds_and_tabs_but_refuses_the_other_controls(app):
    with app.test_request_context():
        assert _form(name="Ma Startup", text="Une\r\nmission\tclaire").text.errors == []
        assert _form(text="Une\x00mission").text.errors == ["« Mission » ne peut pas contenir le caractère de contrôle U+0000."]


def test_a_date_is_refused_one_day_past_its_bounds_with_the_bounds_in_the_message(app):
    with app.test_request_context():
        assert _form(day="2013-01-01").day.errors == []
        assert _form(day="2028-12-05").day.errors == []
        message = "« Date » : la date doit être comprise entre le 1er janvier 2013 et le 5 décembre 2028."
        assert _form(day="2012-12-31").day.errors == [message]
        assert _form(day="2028-12-06").day.errors == [message]
        assert _form(day="3000-01-01").day.errors == [message]


def test_an_amount_is_refused_one_past_its_bounds(app):
    with app.test_request_context():
        assert _form(amount="100000000").amount.errors == []
        assert _form(amount="0").amount.errors == []
        assert _form(amount="100000001").amount.errors == ["« Budget » : la valeur doit être comprise entre 0\u00a0€ et 100\u202f000\u202f000\u00a0€."]
        assert _form(amount="-1").amount.errors


def test_a_window_moves_with_today():
    window = DateWindow(lambda today: PROGRAMME_START, lambda today: years_after(today, 2))
    assert window.refusal(dt.date(2030, 1, 1), "Date", dt.date(2027, 12, 31))
    assert window.refusal(dt.date(2030, 1, 1), "Date", dt.date(2028, 1, 1)) is None
    assert years_after(dt.date(2028, 2, 29), 1) == dt.date(2029, 2, 28)


@pytest.mark.parametrize(("value", "refused"), [
    ("", True), (" ", True), ("\u00a0\u3000", True), ("\t\n", True), (" Jalons ", False), ("0", False),
])
def test_a_required_field_takes_whitespace_alone_for_nothing_entered(app, value, refused):
    from flask_wtf import FlaskForm

    from core.fields import Required

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = TextField("Nom", validators=[Required("Le nom est obligatoire.")])

    with app.test_request_context():
        form = Form(formdata=MultiDict({"name": value}))
        form.validate()
    assert form.name.errors == (["Le nom est obligatoire."] if refused else [])


@pytest.mark.parametrize(("value", "data"), [("", ""), (" ", ""), ("\u00a0", ""), ("a", "a")])
def test_an_optional_select_takes_whitespace_alone_for_no_choice(app, value, data):
    from flask_wtf import FlaskForm
    from wtforms import SelectField
    from wtforms.fields.choices import SelectChoice

    from core.fields import Optional

    class Form(FlaskForm):
        class Meta:
            csrf = False

        phase = SelectField("Phase", choices=[SelectChoice("", "—"), SelectChoice("a", "A")], validators=[Optional()])

    with app.test_request_context():
        form = Form(formdata=MultiDict({"phase": value}))
        assert form.validate()
    assert form.phase.data == data


def test_a_required_field_without_a_message_still_refuses_whitespace_alone(app):
    from flask_wtf import FlaskForm

    from core.fields import Required

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = TextField("Nom", validators=[Required()])

    with app.test_request_context():
        form = Form(formdata=MultiDict({"name": "  "}))
        assert not form.validate()
    assert form.name.errors == ["Ce champ est obligatoire."]
