"""JSON Schemas of the course source format, exported from the model.

Editors (VS Code's YAML extension, JupyterLab's) use them to check course
files while they are typed: add ``# yaml-language-server: $schema=...``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coursekit.atomic import write_atomic
from coursekit.model import CourseMeta, Exercises, Glossary, ModuleExtras, ModuleMeta

__all__ = ["SCHEMAS", "schemas", "write_schemas"]

# file name -> (model, what the file is)
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "course.schema.json": (CourseMeta, "course.yaml"),
    "module-front-matter.schema.json": (ModuleMeta, "the front matter of modules/<id>.md"),
    "module.schema.json": (ModuleExtras, "modules/<id>.yaml"),
    "glossary.schema.json": (Glossary, "glossary.yaml"),
    "exercises.schema.json": (Exercises, "exercises.yaml"),
}


def schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for name, (model, what) in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["description"] = f"coursekit: {what}. " + (schema.get("description") or "")
        out[name] = schema
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        write_atomic(path, json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
