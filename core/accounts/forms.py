"""Forms for logging in, the account page, tokens and user administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from core.accounts.models import Role
from core.forms import EnumSelectField


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    expires_in_days = IntegerField(
        _l("Expires after (days)"), validators=[Optional(), NumberRange(1, 3650)]
    )


ROLE_LABELS = {
    Role.PRODUCER: _l("Producer"),
    Role.OFFICER: _l("Field officer"),
    Role.STAFF: _l("Department staff"),
    Role.ADMIN: _l("Administrator"),
}


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=200)])
    role = EnumSelectField(
        _l("Role"),
        labels={r: label for r, label in ROLE_LABELS.items() if r is not Role.PRODUCER},
    )
    wards = SelectMultipleField(_l("Wards (officers)"), choices=[], validate_choice=False)


class UserEditForm(FlaskForm):
    """An admin edits an account; a producer account's role cannot be changed (see the view)."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    # The view narrows the choices: a producer account's role cannot be changed.
    role = EnumSelectField(_l("Role"), labels=ROLE_LABELS)
    wards = SelectMultipleField(_l("Wards (officers)"), choices=[], validate_choice=False)


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )
