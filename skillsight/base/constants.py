"""Names shared by several layers, defined once."""

from __future__ import annotations

# Video files SkillSight accepts (uploads, batch folders, labelled dataset folders), lower case; a batch
# folder's other files are passed over unseen, so camcorder (AVCHD .mts), MPEG, Windows and phone
# formats FFmpeg reads are here too.
VIDEO_SUFFIXES: tuple[str, ...] = (
    ".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mts", ".m2ts", ".mpg", ".mpeg", ".wmv", ".3gp"
)  # fmt: skip


def is_video_file(name: object) -> bool:
    """True when the name (a str or a path) ends in one of VIDEO_SUFFIXES, in any case."""
    return str(name).lower().endswith(VIDEO_SUFFIXES)
