"""The officer's day, ward pages and the roll-out criterion."""

from flask import Blueprint

bp = Blueprint("rollout", __name__)
