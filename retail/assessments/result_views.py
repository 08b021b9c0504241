"""Results for the shop owner and self-assessments, through unguessable links."""

from flask import Blueprint

bp = Blueprint("shop_links", __name__)
