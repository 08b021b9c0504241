"""Shop pages for field officers and staff: list, register, edit, close and reopen, merge.

Every shop is loaded through `core.access.get_in_ward` (another ward's shop answers 404) and
lists start from `access.visible_in_wards`; producers are refused (403) by the same functions.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from core import access, pages
from core.extensions import db
from core.formatting import number_in_message
from core.forms import BLANK, optional_id
from core.pagination import paginate
from core.wards.models import Ward
from retail.assessments import frameworks
from retail.assessments.models import AssessmentState
from retail.shops import forms, rules, search, services
from retail.shops.models import Shop, ShopKind, ShopState

bp = Blueprint("shops", __name__)

ASSESSMENT_STATE_LABELS = {
    AssessmentState.DRAFT: _l("Draft"),
    AssessmentState.AWAITING_CONFIRMATION: _l("Awaiting confirmation"),
    AssessmentState.SUBMITTED: _l("Submitted"),
    AssessmentState.VERIFIED: _l("Verified"),
}
SEARCH_MAX = 200


@bp.context_processor
def _shop_helpers():
    return {
        "show_phone": rules.show_phone,
        "kind_labels": rules.KIND_LABELS,
        "shop_state_labels": rules.STATE_LABELS,
        "assessment_state_labels": ASSESSMENT_STATE_LABELS,
        "ShopState": ShopState,
    }


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


def level_names(document: dict | None) -> dict[int, str]:
    """{level: its name in the page's language} from a framework document."""
    language = _language()
    names = {}
    for level in (document or {}).get("levels", []):
        label = level.get("name") or {}
        names[level["level"]] = label.get(language) or label.get("vi") or ""
    return names


def _wards_of(user) -> list[Ward]:
    """The wards the user works in (staff: all 95), by name."""
    codes = access.ward_codes(user)
    stmt = select(Ward)
    if codes is not None:
        stmt = stmt.where(Ward.code.in_(codes))
    return sorted(db.session.scalars(stmt), key=lambda ward: rules.fold(ward.name))


def _ward_choices(user, blank: bool) -> list[SelectChoice]:
    choices = [SelectChoice(ward.code, ward.name) for ward in _wards_of(user)]
    return [BLANK, *choices] if blank else choices


def _enum_arg(name: str, enum_cls):
    value = request.args.get(name, "")
    return enum_cls(value) if value in {member.value for member in enum_cls} else None


def _filters() -> search.ShopFilters:
    """The list's filters from the query string; values that mean nothing are ignored."""
    level = request.args.get("level", type=int)
    assessed = {"yes": True, "no": False}.get(request.args.get("assessed", ""))
    return search.ShopFilters(
        q=(request.args.get("q") or "").strip()[:SEARCH_MAX],
        ward_code=request.args.get("ward_code") or None,
        kind=_enum_arg("kind", ShopKind),
        state=_enum_arg("state", ShopState),
        assessed=assessed,
        level=level if level is not None and 0 <= level <= 100 else None,
    )


@bp.get("/retail/shops")
@login_required
def shop_list():
    filters = _filters()
    stmt = search.shops_query(current_user, filters).options(selectinload(Shop.ward))
    page = paginate(stmt)
    current = frameworks.current()
    return render_template(
        "retail/shops/list.html",
        page=page,
        filters=filters,
        levels=search.latest_levels([shop.id for shop in page.items]),
        level_names=level_names(current.document if current else None),
        wards=_wards_of(current_user),
    )


def _shop_form(obj: Shop | None = None) -> forms.ShopForm:
    form = forms.ShopForm(obj=obj)
    wards = _ward_choices(current_user, blank=True)
    if len(wards) == 2:  # one ward of one's own: it is the only answer
        wards = wards[1:]
    form.ward_code.choices = wards
    return form


def _act_on_shop(call, success: str, form: forms.ShopForm):
    """`pages.act` for registering or changing a shop, keeping what the page must show when
    it is refused: the existing shop of a duplicate, the similar shops of a warning."""
    seen: dict = {}

    def action():
        try:
            return call()
        except services.DuplicateShop as exc:
            seen["duplicate"] = exc
            raise
        except services.SimilarShops as exc:
            seen["similar"] = exc.similar
            raise

    return pages.act(action, success, form=form), seen


def _render_form(form: forms.ShopForm, shop: Shop | None, seen: dict):
    return render_template(
        "retail/shops/form.html",
        form=form,
        shop=shop,
        duplicate=seen.get("duplicate"),
        similar=seen.get("similar") or [],
    )


@bp.route("/retail/shops/new", methods=["GET", "POST"])
@login_required
def shop_new():
    form = _shop_form()
    seen: dict = {}
    if form.validate_on_submit():
        done, seen = _act_on_shop(
            lambda: services.create_shop(
                form.to_data(), current_user, warn_similar=not form.confirm_similar.data
            ),
            _("The shop has been registered."),
            form,
        )
        if done:
            return redirect(url_for("shops.shop_detail", shop_id=done.value.id))
    return _render_form(form, None, seen)


@bp.get("/retail/shops/<int:shop_id>")
@login_required
def shop_detail(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    assessments = sorted(shop.assessments, key=lambda a: a.id, reverse=True)
    merged_here = db.session.scalars(
        select(Shop).where(Shop.merged_into_id == shop.id).order_by(Shop.id)
    ).all()
    return render_template(
        "retail/shops/detail.html",
        shop=shop,
        assessments=assessments,
        level_names={a.id: level_names(a.framework.document) for a in assessments},
        merged_here=merged_here,
        merged_into_visible=bool(
            shop.merged_into and access.can_use_ward(current_user, shop.merged_into.ward_code)
        ),
    )


@bp.route("/retail/shops/<int:shop_id>/edit", methods=["GET", "POST"])
@login_required
def shop_edit(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    if shop.state is ShopState.MERGED:
        flash(_("This shop was merged into another one: change that shop instead."), "warning")
        return redirect(url_for("shops.shop_detail", shop_id=shop.id))
    form = _shop_form(shop)
    seen: dict = {}
    if form.validate_on_submit():
        done, seen = _act_on_shop(
            lambda: services.update_shop(
                shop, form.to_data(), current_user, warn_similar=not form.confirm_similar.data
            ),
            _("The shop's details have been saved."),
            form,
        )
        if done:
            return redirect(url_for("shops.shop_detail", shop_id=shop.id))
    return _render_form(form, shop, seen)


def _confirm(shop: Shop, action, success: str, question: str, explanation: str, button: str):
    """A change of state that asks first: GET shows the question, POST does it."""
    if request.method == "POST":
        pages.act(lambda: action(shop, current_user), success)
        return redirect(url_for("shops.shop_detail", shop_id=shop.id))
    return render_template(
        "retail/shops/confirm.html",
        shop=shop,
        question=question,
        explanation=explanation,
        button=button,
    )


@bp.route("/retail/shops/<int:shop_id>/close", methods=["GET", "POST"])
@login_required
def shop_close(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    return _confirm(
        shop,
        services.close_shop,
        _("The shop is marked as closed."),
        _("Close %(name)s?", name=shop.name),
        _(
            "Close a shop that no longer trades. It stays in the records with its assessments "
            "and no longer counts among the ward's open shops. You can reopen it later."
        ),
        _("Close the shop"),
    )


@bp.route("/retail/shops/<int:shop_id>/reopen", methods=["GET", "POST"])
@login_required
def shop_reopen(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    return _confirm(
        shop,
        services.reopen_shop,
        _("The shop is open again."),
        _("Reopen %(name)s?", name=shop.name),
        _("The shop trades again and counts among the ward's open shops."),
        _("Reopen the shop"),
    )


@bp.route("/retail/shops/<int:shop_id>/merge", methods=["GET", "POST"])
@login_required
def shop_merge(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    access.require_staff(current_user)
    other_id = _other_id()
    other = access.get_in_ward(Shop, other_id, current_user) if other_id else None
    if request.method == "POST":
        if other is None:
            flash(_("Choose the shop to merge into this one."), "error")
            return redirect(url_for("shops.shop_merge", shop_id=shop.id))
        done = pages.act(
            lambda: services.merge_shops(shop, other, current_user),
            lambda moved: ngettext(
                "%(other)s has been merged into this shop; %(count)s assessment moved to it.",
                "%(other)s has been merged into this shop; %(count)s assessments moved to it.",
                moved,
                other=other.name,
                count=number_in_message(moved),
            ),
        )
        if done:
            return redirect(url_for("shops.shop_detail", shop_id=shop.id))
        return redirect(url_for("shops.shop_merge", shop_id=shop.id, other=other.id))
    return _merge_page(shop, other)


def _other_id() -> int | None:
    """The duplicate's id from the form or the query: a row id, or None for anything else."""
    try:
        return optional_id(request.values.get("other"))
    except ValueError:
        return None


def _merge_page(shop: Shop, other: Shop | None):
    """Pick the duplicate (suggestions, or a search), then confirm what the merge moves."""
    q = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    if other is not None:
        candidates = []
    elif q:
        stmt = search.shops_query(current_user, search.ShopFilters(q=q)).where(Shop.id != shop.id)
        candidates = db.session.scalars(stmt.limit(20)).all()
    else:
        candidates = services.merge_candidates(shop)
    return render_template(
        "retail/shops/merge.html",
        shop=shop,
        other=other,
        q=q,
        candidates=candidates,
        moving=services.assessment_count(other) if other is not None else 0,
    )
