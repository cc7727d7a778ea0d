"""coursekit: Jupyter courseware for study sessions built around source texts."""

from coursekit._version import __version__
from coursekit.content import load_course
from coursekit.errors import CoursekitError
from coursekit.model import Course, Module

__all__ = ["Course", "CoursekitError", "Module", "__version__", "load_course"]
