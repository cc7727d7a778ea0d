"""The Binder setup, checked as repo2docker would build it.

``binder/requirements.txt`` is installed into a fresh virtual environment from
the repository root (repo2docker does not install the repository itself when
``binder/`` exists, so the requirements must), and one module notebook is then
executed there. It downloads a whole Jupyter stack, so it runs in CI (or with
``COURSEKIT_BINDER_CHECK=1``) and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.binder,
    pytest.mark.kernel,
    pytest.mark.skipif(
        os.environ.get("CI") != "true" and os.environ.get("COURSEKIT_BINDER_CHECK") != "1",
        reason="installs a fresh environment from PyPI: runs in CI or with COURSEKIT_BINDER_CHECK=1",
    ),
]


def test_binder_requirements_install_the_course_and_run_a_module(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    installed = subprocess.run(
        [*pip, "-r", "binder/requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    out = tmp_path / "02-a1.ipynb"
    env = {
        **os.environ,
        "COURSEKIT_HOME": str(tmp_path / "home"),
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    ran = subprocess.run(
        [
            str(venv / "bin" / "papermill"),
            "02-a1.ipynb",
            str(out),
            "--cwd",
            ".",
            "--kernel",
            "python3",
            "--no-progress-bar",
            # papermill replaces the notebook's injected parameters with the ones given
            # here; the parameters cell's own defaults (module a1) fill in the rest
            "-p",
            "course_path",
            "../courseware",
        ],
        cwd=ROOT / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "习近平作出重要指示" in html and "ck-selfcheck" in html

    # the kernel ran in the Binder environment, with coursekit installed from this repository
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import coursekit, sys; print(coursekit.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert where.stdout.strip().startswith(str(venv))

    # JupyterLab in Chinese: the pinned language pack is the locale overrides.json names
    locale = json.loads((ROOT / "binder" / "overrides.json").read_text("utf-8"))[
        "@jupyterlab/translation-extension:plugin"
    ]["locale"]
    packs = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import json; from jupyterlab_server.translation_utils import get_language_packs;"
            "print(json.dumps(sorted(get_language_packs()[0])))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert locale in json.loads(packs.stdout.strip().splitlines()[-1])
    # coursekit's Voilà template is installed where Voilà looks for templates
    template = venv / "share" / "jupyter" / "voila" / "templates" / "coursekit"
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
