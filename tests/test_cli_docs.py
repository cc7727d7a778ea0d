"""Every command explains itself, and the docs and schemas keep up with the code."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from coursekit.cli import COMMANDS, main
from coursekit.content import bundled_course_path
from coursekit.schema import schemas

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "-h"])
    assert result.exit_code == 0, result.output
    command = main.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None and command.help and len(command.help.strip()) > 30
    assert f"Usage: main {name}" in result.output or f"Usage: coursekit {name}" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_cli_reference(name: str) -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `coursekit {name}`" in reference


def test_the_committed_schemas_are_current() -> None:
    for name, schema in schemas().items():
        committed = json.loads((ROOT / "docs" / "schema" / name).read_text(encoding="utf-8"))
        assert committed == schema, f"docs/schema/{name} is stale: run `coursekit schema`"


def test_the_bundled_course_files_match_their_schemas() -> None:
    course = bundled_course_path()
    found = schemas()
    # YAML reads 2020-02-04 as a date; an editor's JSON Schema check sees the text
    meta = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(meta, default=str)), found["course.schema.json"])
    for path in sorted((course / "modules").glob("*.yaml")):
        jsonschema.validate(
            yaml.safe_load(path.read_text(encoding="utf-8")), found["module.schema.json"]
        )
    glossary = yaml.safe_load((course / "glossary.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(glossary, found["glossary.schema.json"])
    exercises = yaml.safe_load((course / "exercises.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(exercises, found["exercises.schema.json"])


def test_a_schema_rejects_what_validate_rejects() -> None:
    with pytest.raises(jsonschema.ValidationError, match="essay"):
        jsonschema.validate(
            {
                "checkpoints": [
                    {
                        "id": "x",
                        "type": "essay",
                        "prompt": "p",
                        "explanation": "e",
                        "evidence": [{"module": "a1", "paragraph": 1, "quote": "q"}],
                    }
                ]
            },
            schemas()["module.schema.json"],
        )


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("coursekit, version ")


def test_the_readme_binder_links_use_the_documented_urlpath_forms() -> None:
    import re
    from urllib.parse import parse_qs, urlparse

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)", readme)
    paths = sorted(parse_qs(urlparse(link).query)["urlpath"][0] for link in links)
    assert paths == [
        "coursekit-voila/voila/render/notebooks/00-start.ipynb",  # coursekit voila, proxied
        "lab/tree/notebooks/00-start.ipynb",
    ]
    assert (ROOT / "notebooks" / "00-start.ipynb").is_file()  # the start page (issue 14)
    assert "Open in JupyterLab" in readme and "Learner view (Voilà)" in readme


def test_the_binder_requirements_install_this_repository_and_pin_the_front_ends() -> None:
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    assert "." in lines  # repo2docker does not install the repository itself when binder/ exists
    pinned = {line.split("==")[0] for line in lines if "==" in line}
    assert {"jupyterlab", "ipywidgets", "voila"} <= pinned
    assert (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").startswith("python-3.")
