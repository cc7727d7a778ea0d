"""Fixtures shared by the test modules: the small factory course and learner stores."""

from coursefactory import course, hostile_course, store, store_path

__all__ = ["course", "hostile_course", "store", "store_path"]
