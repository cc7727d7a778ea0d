"""Every limit on a course folder, in one place (docs/authoring.md states them too).

Each is far above what a real course needs: the bundled course is 160 KB in all, its
largest YAML file 12 KB and its longest module 3,200 characters. They exist so that a
mistaken or hostile file is refused with a message instead of exhausting the machine.
"""

from __future__ import annotations

__all__ = [
    "MAX_COURSE_BYTES",
    "MAX_MARKDOWN_BYTES",
    "MAX_MODULES",
    "MAX_YAML_BYTES",
    "MODULE_MAX_CHARS",
    "MODULE_WARN_CHARS",
    "YAML_ALIAS_BUDGET",
    "YAML_MAX_DEPTH",
]


#: A YAML file (course.yaml, modules/<id>.yaml, glossary.yaml, exercises.yaml): thousands
#: of checkpoints fit in 2 MB.
MAX_YAML_BYTES = 2_000_000
#: A module's Markdown (and any other text coursekit reads, such as a packet for ingest):
#: 5 MB is about 1.7 million Chinese characters.
MAX_MARKDOWN_BYTES = 5_000_000
#: All the files of one course together (300 times the bundled course), checked before
#: any of them is read: 200 modules of 5 MB would otherwise be a gigabyte to parse.
MAX_COURSE_BYTES = 50_000_000
#: Modules in one course: a packet has a dozen attachments; 200 is a year of packets.
MAX_MODULES = 200
#: Values that YAML aliases may add to a document beyond those written out in it. Anchors
#: are for small reuse; a "billion laughs" file grows by a factor of ten per line.
YAML_ALIAS_BUDGET = 10_000
#: Nesting of YAML collections. The format needs 5 (the document → checkpoints → a
#: checkpoint → its answer pairs → a pair); PyYAML composes recursively, so depth is
#: capped far below Python's recursion limit.
YAML_MAX_DEPTH = 20
#: A module's text above this is slow to load on a phone: 200,000 Chinese characters make
#: a handout of about 600 KB. `validate` warns (``Course.warnings``).
MODULE_WARN_CHARS = 200_000
#: A module above this is refused: ten times the warning, a day of reading at 400 a minute.
MODULE_MAX_CHARS = 2_000_000
