"""Assessments on a phone: one pillar per step, drafts, submit, verify, history."""

from flask import Blueprint

bp = Blueprint("assessments", __name__)
