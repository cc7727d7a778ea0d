"""coursekit: Jupyter courseware for study sessions built around source texts.

The names here load on first use (PEP 562), so that ``coursekit --help`` and
the command line's quick paths do not import pydantic and PyYAML first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coursekit._version import __version__

if TYPE_CHECKING:
    from coursekit.content import load_course
    from coursekit.errors import CoursekitError
    from coursekit.model import Course, Module

__all__ = ["Course", "CoursekitError", "Module", "__version__", "load_course"]

# name -> the module that defines it
_LAZY = {
    "load_course": "coursekit.content",
    "CoursekitError": "coursekit.errors",
    "Course": "coursekit.model",
    "Module": "coursekit.model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coursekit' has no attribute {name!r}")
