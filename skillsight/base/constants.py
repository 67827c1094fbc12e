"""Names shared by several layers, defined once."""

from __future__ import annotations

# Video files SkillSight accepts (uploads, batch folders, labelled dataset folders), lower case.
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")


def is_video_file(name: object) -> bool:
    """True when the name (a str or a path) ends in one of VIDEO_SUFFIXES, in any case."""
    return str(name).lower().endswith(VIDEO_SUFFIXES)
