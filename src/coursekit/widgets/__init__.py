"""The learner's widgets, composed from standard ipywidgets 8 (no front-end extension).

Every widget saves to the learner store at once and restores from it when
created again, so nothing is lost when a kernel restarts. Each widget's
mimebundle also carries kernel-free HTML: ``text/html`` (the handout),
``application/vnd.coursekit.worksheet+html`` and
``application/vnd.coursekit.trainer+html``; none of it contains learner data.

A page shows its :class:`LearnerSession` first: it names the learner (a
remembered one is asked, never reused), keeps the name in view with "换人",
says when work has not been exported, and brings the widgets' stylesheet
(``ck-live`` classes, from the live section of ``style.css``).
"""

from coursekit.widgets._checkpoint import Checkpoint, CheckpointSet, CheckpointSettings
from coursekit.widgets._common import TRAINER_MIME, WORKSHEET_MIME, default_course, default_store
from coursekit.widgets._links import module_href, requested_paragraph
from coursekit.widgets._progress import CourseProgress, ModuleProgress
from coursekit.widgets._reader import Reader
from coursekit.widgets._record import RecordPanel
from coursekit.widgets._reflection import Reflection
from coursekit.widgets._session import LearnerSession
from coursekit.widgets._show import ModuleView, StartView, show_module, show_start

__all__ = [
    "TRAINER_MIME",
    "WORKSHEET_MIME",
    "Checkpoint",
    "CheckpointSet",
    "CheckpointSettings",
    "CourseProgress",
    "LearnerSession",
    "ModuleProgress",
    "ModuleView",
    "Reader",
    "RecordPanel",
    "Reflection",
    "StartView",
    "default_course",
    "default_store",
    "module_href",
    "requested_paragraph",
    "show_module",
    "show_start",
]
