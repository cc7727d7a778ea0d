"""Fixtures shared by the test modules: the small factory course and learner stores."""

from coursefactory import course, hostile_course, store, store_path, store_url
from postgres import postgres_server, postgres_url

__all__ = [
    "course",
    "hostile_course",
    "postgres_server",
    "postgres_url",
    "store",
    "store_path",
    "store_url",
]
