"""`briefgen clean`: remove what briefgen made for a project, and nothing else.

Only a briefing project (``briefgen.yaml`` or ``content/``); in the output folder only the files
its manifest lists (write.clean_output), in the cache folder only the files briefgen makes there
(cache.clear); never through a link; whatever else is there stays, and is named.
"""

from __future__ import annotations

from pathlib import Path

from . import cache as caching
from .load import require_project
from .write import check_output, clean_output

SHOWN = 5


def clean(project: Path, output: Path) -> list[str]:
    """Clean ``project`` and its ``output`` folder; the lines to tell the user.

    Raises ``BriefgenError`` for a folder that is not a briefing project, an output folder
    ``check_output`` refuses, and a cache folder that is a link.
    """
    require_project(project)
    check_output(project, output)
    lines = []
    removed, kept = caching.clear(project)
    if removed:
        lines.append(f"Removed the build cache {project / caching.FOLDER}")
    if kept:
        lines.append(f"Kept {_count(kept)} of {project / caching.FOLDER} that briefgen did not make: {_names(kept)}")
    done = clean_output(output)
    if done is not None:
        files = f"{done.removed} file{'s' if done.removed != 1 else ''} of the built site"
        if done.folder_removed:
            lines.append(f"Removed {files} and the folder {output}")
        elif done.removed:
            lines.append(f"Removed {files} from {output}")
        if done.kept:
            lines.append(f"Kept {_count(done.kept)} of {output} that briefgen did not make: {_names(done.kept)}")
    return lines or ["Nothing to clean"]


def _count(names) -> str:
    return f"{len(names)} entr{'y' if len(names) == 1 else 'ies'}"


def _names(names) -> str:
    names = list(names)
    return ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
