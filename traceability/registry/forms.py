"""Forms of the registry pages. They parse input once, into the types the services take.

Selects give enum members and row ids, text fields their text without the spaces around it,
dates and typed numbers their values; the rules live in the services and `rules`.
"""

from __future__ import annotations

import re

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
from core.forms import BLANK, EnumSelectField, IdSelectField, optional_int, strip
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

# How the audit log's actions read in a product's history.
ACTION_LABELS = {
    "product.create": _l("created"),
    "product.update": _l("changed"),
    "product.submit": _l("submitted for verification"),
    "product.verify": _l("verified by the Department"),
    "product.reject": _l("returned by the Department"),
    "product.portal": _l("national-portal status recorded"),
    "product.image_add": _l("photo added"),
    "product.image_delete": _l("photo removed"),
    "product.withdraw": _l("withdrawn"),
    "product.restore": _l("restored"),
}


def template_labels() -> dict:
    """Every page's `labels`: the words for the registry's enum values and audit actions."""
    return {
        "action": ACTION_LABELS,
        "category": CATEGORY_LABELS,
        "ocop_group": OCOP_GROUP_LABELS,
        "ip_status": IP_STATUS_LABELS,
        "ip_kind": IP_KIND_LABELS,
        "portal": PORTAL_LABELS,
        "site_kind": SITE_KIND_LABELS,
        "producer_kind": PRODUCER_KIND_LABELS,
    }


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


class NameListField(StringField):
    """Names typed in one line, "VietGAP, HACCP": the data is the list of them, stripped."""

    def process_formdata(self, valuelist):
        if valuelist:
            parts = re.split(r"[,;\n]", valuelist[0] or "")
            self.data = [part.strip() for part in parts if part.strip()]

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])


def _text(label, max_length: int, *, required: bool = False, **kw):
    """A text field whose data is stripped; required ones refuse blank text here already."""
    validators = [DataRequired()] if required else []
    return StringField(label, [*validators, Length(max=max_length)], filters=[strip], **kw)


class ProducerFields:
    legal_name = _text(_l("Legal name"), 200, required=True)
    kind = EnumSelectField(_l("Kind"), labels=PRODUCER_KIND_LABELS)
    tax_code = _text(_l("Tax code"), 16, required=True)
    gs1_company_prefix = _text(_l("GS1 company prefix"), 12)
    gln = _text(_l("GLN (optional)"), 13)
    ward_code = SelectField(_l("Ward or commune"), choices=[])
    address = _text(_l("Address"), 300, required=True)
    contact_name = _text(_l("Contact person"), 120)
    phone = _text(_l("Phone"), 20)
    email = EmailField(
        _l("Contact email"), validators=[Optional(), Length(max=254)], filters=[strip]
    )
    website = _text(_l("Website"), 200)

    DETAILS = (
        "legal_name",
        "kind",
        "tax_code",
        "gs1_company_prefix",
        "gln",
        "ward_code",
        "address",
        "contact_name",
        "phone",
        "email",
        "website",
    )

    def producer_data(self) -> dict:
        """The producer's details as the services take them."""
        return {name: getattr(self, name).data for name in self.DETAILS}


class ProducerForm(ProducerFields, FlaskForm):
    pass


class SignupForm(ProducerFields, FlaskForm):
    account_name = _text(_l("Your name"), 120, required=True)
    account_email = EmailField(
        _l("Your email (to log in)"),
        validators=[DataRequired(), Length(max=254)],
        filters=[strip],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])

    def account(self) -> dict:
        return {
            "email": self.account_email.data,
            "password": self.password.data,
            "full_name": self.account_name.data,
        }


ALLOWED = {enum_cls: ", ".join(m.value for m in enum_cls) for enum_cls in (OcopGroup, IpKind)}


class ProductForm(FlaskForm):
    """Optional choices say what to choose when the value sent is not one of them."""

    # Not stripped: a GTIN with a space is refused saying so (GS1 conformance), as in the API.
    gtin = StringField(_l("GTIN (barcode number)"), validators=[DataRequired(), Length(max=20)])
    name = _text(_l("Product name"), 200, required=True)
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)], filters=[strip])
    category = EnumSelectField(_l("Category"), labels=CATEGORY_LABELS)
    ocop_group = EnumSelectField(
        _l("OCOP group"),
        labels=OCOP_GROUP_LABELS,
        blank=True,
        message=_l("Choose one of: %(allowed)s.", allowed=ALLOWED[OcopGroup]),
    )
    ocop_stars = SelectField(
        _l("OCOP stars"),
        choices=[BLANK, *(SelectChoice(s) for s in ("3", "4", "5"))],
        coerce=optional_int,
        invalid_value_message=_l("OCOP stars are 3, 4 or 5."),
        invalid_choice_message=_l("OCOP stars are 3, 4 or 5."),
    )
    ocop_certificate_no = _text(_l("OCOP certificate number"), 60)
    ocop_decision_no = _text(_l("Decision number"), 60)
    ocop_valid_from = DateField(_l("Certificate valid from"), validators=[Optional()])
    ocop_valid_to = DateField(
        _l("Certificate valid to (default: 36 months)"), validators=[Optional()]
    )
    standards = MultiCheckboxField(
        _l("Applied standards"),
        choices=[SelectChoice(s) for s in KNOWN_STANDARDS],
        validate_choice=False,
        filters=[lambda names: [strip(n) for n in names or []]],
    )
    other_standards = NameListField(_l("Other standards (comma-separated, e.g. TCVN 12345:2018)"))
    ip_status = EnumSelectField(_l("Intellectual property"), labels=IP_STATUS_LABELS)
    ip_kind = EnumSelectField(
        _l("Kind of protection"),
        labels=IP_KIND_LABELS,
        blank=True,
        message=_l("Choose one of: %(allowed)s.", allowed=ALLOWED[IpKind]),
    )
    ip_number = _text(_l("Certificate or application number"), 60)

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
        data["standards"] = [*(self.standards.data or []), *(self.other_standards.data or [])]
        return data

    def fill_from(self, product) -> None:
        for name in self.FIELDS:
            getattr(self, name).data = getattr(product, name)
        self.standards.data = [s for s in product.standards if s in KNOWN_STANDARDS]
        self.other_standards.data = [s for s in product.standards if s not in KNOWN_STANDARDS]


class SiteForm(FlaskForm):
    name = _text(_l("Site name"), 200, required=True)
    kind = EnumSelectField(_l("Kind"), labels=SITE_KIND_LABELS)
    planting_area_code = _text(_l("Planting-area code (if any)"), 40)
    ward_code = SelectField(_l("Ward or commune"), choices=[])
    address = _text(_l("Address"), 300)
    # Coordinates are copied from maps with a dot: either separator is the decimal point there.
    latitude = TypedDecimalField(_l("Latitude"), places=6, grouping=False, validators=[Optional()])
    longitude = TypedDecimalField(
        _l("Longitude"), places=6, grouping=False, validators=[Optional()]
    )
    area_ha = TypedDecimalField(_l("Area (ha)"), places=4, validators=[Optional()])
    crop_or_species = _text(_l("Crop or species"), 120)
    certifications = NameListField(_l("Certifications (comma-separated)"))

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
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["certifications"] = data["certifications"] or []
        return data


class BatchForm(FlaskForm):
    # Choices are the producer's own rows; the service re-checks ownership of the ids sent.
    product_id = IdSelectField(_l("Product"), message=_l("Choose one of your own products."))
    site_id = IdSelectField(_l("Site"), message=_l("Choose one of your own records."))
    lot_code = _text(_l("Lot code"), 40, required=True)
    produced_on = DateField(_l("Production or harvest date"), validators=[Optional()])
    expires_on = DateField(_l("Expiry date"), validators=[Optional()])
    quantity = TypedDecimalField(_l("Quantity"), places=3, validators=[Optional()])
    unit = _text(_l("Unit"), 20, default="kg")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)], filters=[strip])

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
        _l("Reason (shown to the producer)"),
        validators=[DataRequired(), Length(max=500)],
        filters=[strip],
    )


class RecallForm(FlaskForm):
    """The notice of a batch recall; `stamps.recalls.recall_batch` checks it."""

    notice = TextAreaField(
        _l("Notice for consumers"), filters=[strip], render_kw={"maxlength": 300, "rows": 3}
    )


class PortalForm(FlaskForm):
    portal_state = EnumSelectField(_l("National portal"), labels=PORTAL_LABELS)
    portal_reference = _text(_l("Portal reference"), 80)
    portal_state_on = DateField(_l("Date"), validators=[Optional()])


class ImageForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG or WebP, up to 8 MB)"), validators=[FileRequired()])
