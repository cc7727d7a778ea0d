"""Writing one file so that a reader sees the old content or the new, never half of it.

Every single file coursekit writes goes through :func:`write_atomic`: the build's
notebooks, the executed notebooks and the page list, learner records, stripped
notebooks and the JSON Schemas. A whole output folder is swapped by
:mod:`coursekit.outputs` instead, which stages the folder and renames it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["temporary_name", "write_atomic"]


def temporary_name(path: Path) -> Path:
    """``.NAME.tmp-PID`` beside ``path``: hidden, and removable once its process is gone."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_atomic(path: Path, data: bytes | str, *, keep_mode: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file beside it.

    With ``keep_mode`` the file keeps the permissions of the one it replaces. The
    temporary file is removed when writing fails, for example on a full disk.
    """
    tmp = temporary_name(path)
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if keep_mode:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
