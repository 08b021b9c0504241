"""The report's method note: what each figure counts, where it comes from, what it leaves out."""

from __future__ import annotations

from flask_babel import gettext as _

from core.formatting import number_in_message
from reports.annual.services import Sources
from reports.indicators import targets
from reports.tables import Column, Table, rounded


def table(sources: Sources) -> Table:
    """What each figure counts, where it comes from, and what the report leaves out."""
    rule = (sources.snapshot.notes or {}).get("rollout_rule", {})
    share = rule.get("min_share_percent")
    criterion = _(
        "A ward counts as deployed once it has at least %(shops)s shops with a submitted or "
        "verified assessment",
        shops=str(rule.get("min_shops", "—")),
    )
    if share is not None:
        criterion += " " + _(
            "and at least %(share)s %% of its registered shops", share=number_in_message(share)
        )
    notes = [
        (
            _("Figures"),
            _(
                "Each indicator is a numerator divided by a denominator, counted from the "
                "records: stocks (products, shops, certificates) as of the day the figures are "
                "of, flows (stamps, scans, reports) from 1 January to that day."
            ),
        ),
        (
            _("Products"),
            _(
                "Products with a GTIN that were submitted or verified and not withdrawn; listed "
                "on the national portal from the date staff recorded; IP support means filed or "
                "protected. Products count in their producer's ward."
            ),
        ),
        (
            _("Shops"),
            _(
                "Registered shops that were open on the day; each shop counts once, with its "
                "latest submitted or verified assessment (level, pillar scores, payment and "
                "online flags)."
            ),
        ),
        (_("Deployed wards"), criterion + "."),
        (
            _("Snapshots"),
            _(
                "The figures are stored when a period ends (a closing snapshot) and never "
                "recomputed: editing a record later does not change a report already sent. "
                "A running year's report reads a current snapshot and is provisional."
            ),
        ),
        (
            _("Targets"),
            _(
                "Each value is compared with a straight trajectory between the targets, on the "
                "day the figures are of: on track when it has reached it, behind within "
                "%(margin)s %% of it, at risk below that.",
                margin=number_in_message(rounded(targets.margin() * 100, "percent")),
            ),
        ),
        (
            _("Privacy"),
            _(
                "The report holds counts and shares only: no names, phone numbers or other "
                "personal data. Open data leaves out any figure resting on fewer than 3 shops "
                "or producers; this report is for the Province and the Ministry."
            ),
        ),
        (
            _("Rounding"),
            _(
                "Values are computed exactly and rounded half-up only to be shown: shares and "
                "scores to one decimal."
            ),
        ),
    ]
    return Table(
        key="method",
        title=_("Method"),
        columns=[Column("topic", _("Topic"), width=20), Column("note", _("Note"), width=100)],
        rows=[{"topic": topic, "note": text} for topic, text in notes],
    )
