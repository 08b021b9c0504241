"""How wards' kinds, groups and roll-out phases are named on pages, files and reports."""

from flask_babel import lazy_gettext as _l

from core.wards.models import AreaGroup, RolloutPhase, WardKind

PHASE_LABELS = {
    RolloutPhase.PILOT_2026: _l("Pilot 2026"),
    RolloutPhase.EXTENSION_2030: _l("Extension by 2030"),
    RolloutPhase.NOT_PLANNED: _l("Not yet planned"),
}
KIND_LABELS = {WardKind.XA: _l("Commune (xã)"), WardKind.PHUONG: _l("Ward (phường)")}
GROUP_LABELS = {AreaGroup.URBAN: _l("Urban (phường)"), AreaGroup.RURAL: _l("Rural (xã)")}
