"""Forms of the registry pages. They parse input; the rules live in services and rules."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.formatting import format_number
from traceability.registry import rules
from traceability.registry.models import (
    KNOWN_STANDARDS,
    IpKind,
    IpStatus,
    OcopGroup,
    PortalState,
    ProducerKind,
    ProductCategory,
    SiteKind,
)

PRODUCER_KIND_LABELS = {
    ProducerKind.ENTERPRISE: _l("Enterprise"),
    ProducerKind.COOPERATIVE: _l("Co-operative (HTX)"),
    ProducerKind.HOUSEHOLD: _l("Household business"),
}
CATEGORY_LABELS = {
    ProductCategory.OCOP: _l("OCOP product"),
    ProductCategory.KEY_PRODUCT: _l("Provincial key product"),
    ProductCategory.AGRICULTURAL: _l("Agricultural product"),
    ProductCategory.OTHER: _l("Other"),
}
OCOP_GROUP_LABELS = {
    OcopGroup.FOOD: _l("Food"),
    OcopGroup.DRINKS: _l("Drinks"),
    OcopGroup.HERBAL: _l("Medicinal herbs and products"),
    OcopGroup.HANDICRAFTS: _l("Handicrafts"),
    OcopGroup.ORNAMENTALS: _l("Ornamental plants and animals"),
    OcopGroup.TOURISM: _l("Community and eco-tourism services"),
}
IP_STATUS_LABELS = {
    IpStatus.NONE: _l("None"),
    IpStatus.FILED: _l("Application filed"),
    IpStatus.PROTECTED: _l("Protected"),
}
IP_KIND_LABELS = {
    IpKind.TRADEMARK: _l("Trademark"),
    IpKind.GEOGRAPHICAL_INDICATION: _l("Geographical indication"),
    IpKind.COLLECTIVE_MARK: _l("Collective mark"),
    IpKind.CERTIFICATION_MARK: _l("Certification mark"),
}
PORTAL_LABELS = {
    PortalState.NOT_SUBMITTED: _l("Not submitted"),
    PortalState.SUBMITTED: _l("Submitted"),
    PortalState.LISTED: _l("Listed"),
    PortalState.REJECTED: _l("Rejected"),
}
SITE_KIND_LABELS = {
    SiteKind.GROWING_AREA: _l("Growing area (vùng trồng)"),
    SiteKind.FARMING_AREA: _l("Farming area (vùng nuôi)"),
    SiteKind.PROCESSING: _l("Processing facility"),
}


BLANK = SelectChoice("", "—")


def _choices(labels: dict, blank: bool = False):
    items = [SelectChoice(k.value, v) for k, v in labels.items()]
    return [BLANK, *items] if blank else items


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


class TypedDecimalField(StringField):
    """A decimal typed the reader's way: 32,5 and 1.500 in Vietnamese, 32.5 and 1,500 in English.

    A text input (a number input would have the browser rewrite what was typed); the rule for
    separators is `rules.parse_typed_number`. The value is shown back in the same format.
    """

    def __init__(
        self, label=None, validators=None, *, places: int = 3, grouping: bool = True, **kw
    ):
        kw.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kw)
        self.places, self.grouping = places, grouping

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = rules.parse_typed_number(text, _language(), grouping=self.grouping)
        except ValueError:
            raise ValueError(
                str(
                    _l(
                        "Enter a number, e.g. %(a)s or %(b)s.",
                        a=format_number(1500, _language()),
                        b=format_number("32.5", _language()),
                    )
                )
            ) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_number(self.data, _language(), max_decimals=self.places)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProducerFields:
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(PRODUCER_KIND_LABELS))
    tax_code = StringField(_l("Tax code"), validators=[DataRequired(), Length(max=16)])
    gs1_company_prefix = StringField(_l("GS1 company prefix"), validators=[Length(max=12)])
    gln = StringField(_l("GLN (optional)"), validators=[Length(max=13)])
    ward_code = SelectField(_l("Ward or commune"), choices=[])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Length(max=20)])
    email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Length(max=200)])


class ProducerForm(ProducerFields, FlaskForm):
    pass


class SignupForm(ProducerFields, FlaskForm):
    account_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    account_email = EmailField(
        _l("Your email (to log in)"), validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ProductForm(FlaskForm):
    """Optional choices are not checked here: the services refuse unknown values with a
    message that says what to choose."""

    gtin = StringField(_l("GTIN (barcode number)"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS))
    ocop_group = SelectField(
        _l("OCOP group"), choices=_choices(OCOP_GROUP_LABELS, blank=True), validate_choice=False
    )
    ocop_stars = SelectField(
        _l("OCOP stars"),
        choices=[BLANK, *(SelectChoice(s) for s in ("3", "4", "5"))],
        validate_choice=False,
    )
    ocop_certificate_no = StringField(_l("OCOP certificate number"), validators=[Length(max=60)])
    ocop_decision_no = StringField(_l("Decision number"), validators=[Length(max=60)])
    ocop_valid_from = DateField(_l("Certificate valid from"), validators=[Optional()])
    ocop_valid_to = DateField(
        _l("Certificate valid to (default: 36 months)"), validators=[Optional()]
    )
    standards = MultiCheckboxField(
        _l("Applied standards"),
        choices=[SelectChoice(s) for s in KNOWN_STANDARDS],
        validate_choice=False,
    )
    other_standards = StringField(_l("Other standards (comma-separated, e.g. TCVN 12345:2018)"))
    ip_status = SelectField(_l("Intellectual property"), choices=_choices(IP_STATUS_LABELS))
    ip_kind = SelectField(
        _l("Kind of protection"),
        choices=_choices(IP_KIND_LABELS, blank=True),
        validate_choice=False,
    )
    ip_number = StringField(_l("Certificate or application number"), validators=[Length(max=60)])

    FIELDS = (
        "gtin",
        "name",
        "description",
        "category",
        "ocop_group",
        "ocop_stars",
        "ocop_certificate_no",
        "ocop_decision_no",
        "ocop_valid_from",
        "ocop_valid_to",
        "ip_status",
        "ip_kind",
        "ip_number",
    )

    def to_data(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        extra = [s.strip() for s in (self.other_standards.data or "").split(",") if s.strip()]
        data["standards"] = list(self.standards.data or []) + extra
        return data

    def fill_from(self, product) -> None:
        for name in self.FIELDS:
            value = getattr(product, name)
            getattr(self, name).data = value.value if hasattr(value, "value") else value
        if product.ocop_stars:
            self.ocop_stars.data = str(product.ocop_stars)
        self.standards.data = [s for s in product.standards if s in KNOWN_STANDARDS]
        self.other_standards.data = ", ".join(
            s for s in product.standards if s not in KNOWN_STANDARDS
        )


class SiteForm(FlaskForm):
    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(SITE_KIND_LABELS))
    planting_area_code = StringField(_l("Planting-area code (if any)"), validators=[Length(max=40)])
    ward_code = SelectField(_l("Ward or commune"), choices=[])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    # Coordinates are copied from maps with a dot: either separator is the decimal point there.
    latitude = TypedDecimalField(_l("Latitude"), places=6, grouping=False, validators=[Optional()])
    longitude = TypedDecimalField(
        _l("Longitude"), places=6, grouping=False, validators=[Optional()]
    )
    area_ha = TypedDecimalField(_l("Area (ha)"), places=4, validators=[Optional()])
    crop_or_species = StringField(_l("Crop or species"), validators=[Length(max=120)])
    certifications = StringField(_l("Certifications (comma-separated)"))

    FIELDS = (
        "name",
        "kind",
        "planting_area_code",
        "ward_code",
        "address",
        "latitude",
        "longitude",
        "area_ha",
        "crop_or_species",
        "certifications",
    )

    def to_data(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class BatchForm(FlaskForm):
    # Choices are the producer's own rows; the service re-checks ownership of the ids sent.
    product_id = SelectField(_l("Product"), choices=[], validate_choice=False)
    site_id = SelectField(_l("Site"), choices=[], validate_choice=False)
    lot_code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=40)])
    produced_on = DateField(_l("Production or harvest date"), validators=[Optional()])
    expires_on = DateField(_l("Expiry date"), validators=[Optional()])
    quantity = TypedDecimalField(_l("Quantity"), places=3, validators=[Optional()])
    unit = StringField(_l("Unit"), validators=[Length(max=20)], default="kg")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])

    FIELDS = (
        "product_id",
        "site_id",
        "lot_code",
        "produced_on",
        "expires_on",
        "quantity",
        "unit",
        "notes",
    )

    def to_data(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (shown to the producer)"), validators=[DataRequired(), Length(max=500)]
    )


class RecallForm(FlaskForm):
    """The notice of a batch recall; `stamps.services.recall_batch` checks it."""

    notice = TextAreaField(_l("Notice for consumers"), render_kw={"maxlength": 300, "rows": 3})


class PortalForm(FlaskForm):
    portal_state = SelectField(_l("National portal"), choices=_choices(PORTAL_LABELS))
    portal_reference = StringField(_l("Portal reference"), validators=[Length(max=80)])
    portal_state_on = DateField(_l("Date"), validators=[Optional()])


class ImageForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG or WebP, up to 8 MB)"), validators=[FileRequired()])
