"""Fixtures shared by the test modules: the small factory course, learner stores, a hub,
the hub of the trainers' views (cohort_hub.py)."""

from cohort_hub import as_user, cohort_service
from coursefactory import course, hostile_course, store, store_path, store_url
from hub import hub
from postgres import postgres_server, postgres_url

__all__ = [
    "as_user",
    "cohort_service",
    "course",
    "hostile_course",
    "hub",
    "postgres_server",
    "postgres_url",
    "store",
    "store_path",
    "store_url",
]
