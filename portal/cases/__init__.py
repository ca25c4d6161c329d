"""Referrals, triage, cases, sharing, chronology, agreed actions and the stages of the graduated
response (referrals.py and service.py: the use cases).

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.cases import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("cases", __name__)
VIEWS = ("referral_views", "case_views", "actions_views", "stages_views", "documents_views", "family_views")
