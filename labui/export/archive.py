"""A zip of an export folder, for the Export page's download (files in name order, streamed to disk)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from labui.fsio import TEMP_MARK, TEMP_SUFFIX


def zip_export(folder: Path, target: Path) -> Path:
    """Write `target` (a .zip holding `folder`'s files under the folder's name), atomically; returns it."""
    tmp = target.with_name(f".{target.name}{TEMP_MARK}zip{TEMP_SUFFIX}")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()):
                zf.write(path, f"{folder.name}/{path.name}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
