"""`skillsight track`: a video, image folder or webcam -> a motion file (+ tidy CSV, overlay video).

Only typer is imported at start-up; tracking, MediaPipe and the writers load inside the command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import typer

from skillsight.capture.frames import CaptureError
from skillsight.commands.console import SETUP_NOTE_AFTER_S, FrameProgress, native_logs_filtered
from skillsight.pose.cleaning import clean_motion
from skillsight.pose.export import write_tidy_csv
from skillsight.pose.quality import IndividualQuality
from skillsight.pose.track import TrackingRequest, track
from skillsight.pose.trackers.base import CAMERA_VIEWS
from skillsight.webapp.views import individual_quality_line

CAMERA_VIEW_HELP = "top (bird's-eye from the trainee's side), front (camera faces the trainee) or side"


def default_motion_path(source: str, folder: Optional[Path] = None) -> Path:
    """``<current folder>/<source name>.motion.npz``: never beside the source."""
    text = source.rstrip("/\\")
    if text.strip().isdigit() and not Path(text).exists():
        stem = f"webcam{int(text)}"
    else:
        path = Path(text)
        stem = path.name if path.is_dir() else path.stem
    return (folder or Path.cwd()) / f"{stem or 'source'}.motion.npz"


def format_summary(summary: dict[str, dict[str, Any]], unit: str = "frames") -> str:
    """The tracking-quality lines printed after tracking, in the app's words (unit "images" for stills)."""
    lines = ["Tracking quality:"]
    lines += [
        f"  {individual_quality_line(name, IndividualQuality.from_dict(row), unit)}"
        for name, row in summary.items()
    ]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("track")
    def track(
        source: str = typer.Argument(..., help="Video file, folder of images, or webcam index."),
        tracker: str = typer.Option(
            "auto", "--tracker", help="auto, hands, gloves, pose, or several joined by '+' (hands+pose)."
        ),
        camera_view: str = typer.Option("top", "--camera-view", help=CAMERA_VIEW_HELP),
        out: Optional[Path] = typer.Option(
            None,
            "--out",
            help="Motion file to write (default: <source name>.motion.npz in the current folder).",
        ),
        csv: Optional[Path] = typer.Option(
            None, "--csv", help="Also write a tidy CSV, one row per keypoint."
        ),
        smooth: bool = typer.Option(
            False, "--smooth", help="Write the cleaned motion (gaps filled, jitter smoothed) to the CSV."
        ),
        overlay: Optional[Path] = typer.Option(None, "--overlay", help="Write an annotated H.264 video."),
        fps: Optional[float] = typer.Option(None, "--fps", help="Frame rate of an image folder (default 1)."),
        max_frames: Optional[int] = typer.Option(None, "--max-frames", help="Track only the first N frames."),
        marker_mm: Optional[float] = typer.Option(
            None, "--marker-mm", help="Side of a printed ArUco marker on the pad, in mm: distances in mm."
        ),
        dominant_hand: str = typer.Option(
            "right",
            "--dominant-hand",
            help="right or left: a left-hander's frames are tracked mirrored and the motion mirrored "
            "back (as scoring does), so the tracker always sees a right-dominant scene.",
        ),
    ) -> None:
        """Track hands and/or body in a practice video and save the motion."""

        if camera_view not in CAMERA_VIEWS:
            raise typer.BadParameter(f"choose from {', '.join(CAMERA_VIEWS)}", param_hint="--camera-view")
        if smooth and csv is None:
            raise typer.BadParameter(
                "--smooth changes what --csv writes; give --csv FILE too", param_hint="--smooth"
            )
        if dominant_hand not in ("left", "right"):
            raise typer.BadParameter("choose right or left", param_hint="--dominant-hand")
        try:
            request = TrackingRequest(
                tracker=tracker,
                camera_view=camera_view,
                dominant_hand=dominant_hand,
                marker_mm=marker_mm,
                overlay_path=overlay,
                max_frames=max_frames,
                fps=fps,
            )
            _track(source, request, out, csv, smooth)
        except (CaptureError, ValueError, OSError) as exc:  # bad input: the message names it
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


def _track(
    source: str, request: TrackingRequest, out: Optional[Path], csv: Optional[Path], smooth: bool
) -> None:
    stills = Path(source).is_dir()  # a folder of images: each tracked on its own, counted as images
    with native_logs_filtered() as stderr:
        bar = FrameProgress(stderr, unit="images" if stills else "frames")
        bar.note_setup(SETUP_NOTE_AFTER_S)
        try:
            spec: Any = int(source) if source.strip().isdigit() and not os.path.exists(source) else source
            motion = track(spec, request, bar.update_to)
        finally:
            bar.close()
    saved = motion.save(out if out is not None else default_motion_path(source))
    tracked = (
        f"{motion.n_frames} images" if stills else f"{motion.n_frames} frames ({motion.duration_s:.1f} s)"
    )
    typer.echo(f"Tracked {tracked} with {request.tracker}: {saved}")
    if request.marker_mm is not None:
        scale = motion.metadata.get("marker_scale", {}).get("mm_per_px")
        found = f"{scale:.4f} mm per pixel" if scale else "no marker found; distances stay in hand sizes"
        typer.echo(f"Marker scale: {found}")
    error = motion.metadata.get("decode_error")
    if error:
        typer.echo(f"warning: {error['message']} (the frames before it were tracked)", err=True)
    damage = motion.metadata.get("decode_damage") or {}
    if damage.get("damaged"):  # also broken images in a folder and one-frame videos, which stop nothing
        typer.echo(f"warning: damaged recording: {damage['message']}", err=True)
    if csv is not None:
        exported = motion
        if smooth:
            exported = clean_motion(motion)
        typer.echo(f"CSV{' (smoothed)' if smooth else ''}: {write_tidy_csv(exported, csv)}")
    if request.overlay_path is not None:
        typer.echo(f"Overlay video: {request.overlay_path}")
    typer.echo(format_summary(motion.metadata["tracking_summary"], "images" if stills else "frames"))
