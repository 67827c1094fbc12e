"""Frames found as repeats against the true copies, on the real clips in ../shared shown at other frame
rates: for each clip and rate, the frames, the copies the resampling made, the frames marked as repeats
(copies found, the clip's own repeats, other frames), the frames dropped, copies missed, and the new
images' rate on the clock the motion is measured on (tremor needs 24.8).

    python benchmarks/bench_frame_repeats.py [--rates 15 20 25 30 50 60] [--lossy CRF] [--camera FPS]
        [--synthetic] [--seed S] [--cost] [--module FILE_OR_FOLDER] [--cache DIR]

Frames are repeated or dropped in memory as tests/integration/test_metric_invariance.py does (whole
decoded frames, no re-encoding). With --lossy the resampled stream is encoded with libx264 at that CRF
(PyAV) and decoded again, as a recorded file would be: its copies are then near-copies, not exact.
The clip's own repeats are those marked at its own rate (the ASL clip is a 24-fps recording at 25 fps).
With --camera the clip is first taken by a slower camera (each of its images the clip's frame at that
instant, its own repeats those marked at the camera's rate), then shown at each rate.

--synthetic adds scenes whose truth is known (tests/unit/capture's textured scene, 120 x 160): a still
scene with sensor noise of s.d. 1 and 3 grey levels (every frame a new image: any frame dropped is
lost), and a square moving 2 px an image seen by cameras of 25, 10 and 5 images a second; then a fine
texture drifting 1 px an image (slow motion: at CRF 28 a repeat's residue is a third to a half of a new
image's change), held still, and seen by cameras of 33 and 25 images a second; and cameras that switch
their rate halfway (full rate -> 15 images a second, 25 -> 15). --seed draws their noise (default 20000).
--cost times watching (ms a frame, the real ASL clip at 60 fps, in memory and at CRF 18) and `find` on
the first 600 frames and on all of them. --module FILE measures another version of capture/repeats.py
(the code before a change) instead of this tree's, for figures before and after on the same machine;
with --cost, side by side with this tree's; a folder holding repeats.py and cadence.py measures both.
--cache DIR keeps each lossy encoding there and reads it back on later runs (x264 may not give the same
file twice), so two versions are measured on the same files.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "support"), str(REPO / "tests" / "integration")]

from shared_data import shared_file  # noqa: E402
from test_metric_invariance import output_frames  # noqa: E402
from video_factory import drifting_texture_scene, moving_square_scene  # noqa: E402

from skillsight.capture import repeats as this_tree  # noqa: E402
from skillsight.capture.frames import Frame  # noqa: E402
from skillsight.capture.sources import VideoFileSource  # noqa: E402

CLIPS = {
    "asl_hand": "tfjs/asl_hand.25fps.mp4",
    "typing_two_hands": "mediapipe_samples/typing_two_hands.mp4",
    "hand_reaching": "mediapipe_samples/hand_reaching.mp4",
    "pose_squats": "tfjs/pose_squats.mp4",
}
SYNTHETIC_SIZE = (120, 160)
SYNTHETIC_IMAGES_S = 3.0  # seconds of each synthetic scene
COST_FIND_FRAMES = 600
repeats: ModuleType = this_tree
CACHE: Path | None = None  # --cache: where encodings are kept between runs


def resampled(stream: list[tuple[int, np.ndarray]], fps: float, rate: float) -> list[tuple[int, np.ndarray]]:
    """A stream of (image index, image) at `fps` shown at `rate` (each image as often as it falls)."""
    shown: list[tuple[int, np.ndarray]] = []
    for index, (image_index, image) in enumerate(stream):
        for _ in output_frames(index, fps, rate, len(shown)):
            shown.append((image_index, image))
    return shown


def shown(clip: str, rates: list[float], camera: float | None) -> tuple[float, dict[float, list]]:
    """The clip's (or the camera's) fps, and for each rate its frames as (image index, image)."""
    source = VideoFileSource(shared_file(CLIPS[clip]))
    frames = [(frame.index, frame.image) for frame in source]
    source.close()
    fps = float(source.info.fps)
    if camera is not None:
        frames = [(k, image) for k, (_, image) in enumerate(resampled(frames, fps, camera))]
        fps = camera
    return fps, {rate: resampled(frames, fps, rate) for rate in rates}


def reencoded(images: list[np.ndarray], rate: float, crf: int, name: str = "") -> list[np.ndarray]:
    """The images encoded with libx264 at `crf` and decoded again. With --cache, the encoding of the case
    `name` is kept there and read back on later runs (x264 here is not reproducible run to run), so two
    versions are measured on the same files."""
    if CACHE is not None and name:
        path = CACHE / f"{name}.crf{crf}.{rate:g}fps.mp4"
        if not path.exists():
            _encode(images, rate, crf, path)
        return [frame.image for frame in VideoFileSource(path)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.mp4"
        _encode(images, rate, crf, path)
        return [frame.image for frame in VideoFileSource(path)]


def _encode(images: list[np.ndarray], rate: float, crf: int, path: Path) -> None:
    import av

    height, width = (side // 2 * 2 for side in images[0].shape[:2])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=int(rate))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf)}
        for image in images:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:height, :width]), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def watched(images: list[np.ndarray], rate: float):
    watcher = repeats.RepeatWatcher()
    for index, image in enumerate(images):
        watcher.add(Frame(index, index / rate, image))
    return watcher


def images_per_s(watcher, dropped: np.ndarray) -> float:
    kept = np.delete(np.asarray(watcher.times), dropped)
    clock = repeats.new_image_times(kept) if repeats.shown_unevenly(kept) else kept
    return 1.0 / float(np.median(np.diff(clock)))


def report(clip: str, rates: list[float], crf: int | None, camera: float | None) -> None:
    base = camera if camera is not None else fps_of(clip)
    fps, streams = shown(clip, sorted(set(rates) | {base}), camera)
    own: set[int] = set()
    for rate in sorted(streams, key=lambda r: r != fps):  # the clip (or camera) at its own rate first
        sources = np.array([index for index, _ in streams[rate]])
        images = [image for _, image in streams[rate]]
        if crf is not None and rate != fps:
            images = reencoded(images, rate, crf, clip if camera is None else f"{clip}.camera{camera:g}")
        watcher = watched(images, rate)
        marked = watcher.repeats()
        dropped, found = watcher.find()
        if rate == fps:
            own = set(sources[marked].tolist())
        copies = np.diff(sources, prepend=-1) == 0
        clip_own = marked & ~copies & np.isin(sources, list(own))
        if rate in rates:
            print(
                f"{clip:17s} {rate:4.0f} fps  frames {sources.size:4d}  copies {copies.sum():4d}  marked: "
                f"copies {(marked & copies).sum():4d} clip's own {clip_own.sum():3d} other "
                f"{(marked & ~copies & ~clip_own).sum():3d}  dropped {dropped.size:4d} (not copies "
                f"{(~copies[dropped]).sum():3d})  copies kept {copies.sum() - copies[dropped].sum():4d}  "
                f"images/s {images_per_s(watcher, dropped):5.2f}"
            )


def fps_of(clip: str) -> float:
    source = VideoFileSource(shared_file(CLIPS[clip]))
    source.close()
    return float(source.info.fps)


def scene(k: float, rng: np.random.Generator, noise: float, drifting: bool = False) -> np.ndarray:
    """The repeat detector's test scenes (tests/support/video_factory.py): a square moving 2 px an image,
    or a fine texture drifting 1 px an image (slow motion, near a lossy repeat's residue)."""
    if drifting:
        return drifting_texture_scene(k, rng, noise, SYNTHETIC_SIZE)
    return moving_square_scene(k, rng, noise, SYNTHETIC_SIZE)


def synthetic(rates: list[float], crf: int | None, seed: int = 20000) -> None:
    """Still scenes (no copies: a frame dropped is lost), moving ones seen by slower cameras, and cameras
    that switch their rate halfway (as a webcam does when the light falls)."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[str, tuple[float, ...], float, bool]] = [
        ("still, noise 1", (), 1.0, False),
        ("still, noise 3", (), 3.0, False),
    ]
    cases += [(f"camera {c:2d}/s, noise 2", (c,), 2.0, False) for c in (25, 10, 5)]
    cases += [("drift still, noise 1", (), 1.0, True)]
    cases += [(f"drift camera {c:2d}/s", (c,), 1.0, True) for c in (33, 25)]
    cases += [(f"camera {a:g} -> {b:g}/s, noise 2", (a, b), 2.0, False) for a, b in ((0, 15), (25, 15))]
    for name, cameras, noise, drifting in cases:
        for rate in rates:
            if any(camera >= rate for camera in cameras):
                continue
            frames = int(SYNTHETIC_IMAGES_S * rate)
            sources = _sources(frames, rate, cameras)
            drawn = {k: scene(k if cameras else 0, rng, noise, drifting) for k in np.unique(sources)}
            images = [drawn[k] for k in sources]
            if crf is not None:
                case = name.replace(" ", "").replace("/", "")
                images = reencoded(images, rate, crf, f"synthetic{seed}.{case}")
            watcher = watched(images, rate)
            dropped, _ = watcher.find()
            copies = np.diff(sources, prepend=-1) == 0
            print(
                f"synthetic {name:24s} {rate:4.0f} fps  frames {frames:4d}  copies {copies.sum():4d}  "
                f"dropped {dropped.size:4d} (not copies, lost {(~copies[dropped]).sum():3d})  copies kept "
                f"{copies.sum() - copies[dropped].sum():4d}"
            )


def _sources(frames: int, rate: float, cameras: tuple[float, ...]) -> np.ndarray:
    """The image each of `frames` stream frames shows: every frame a new one (no camera, or a camera of
    0: as fast as the stream), or the image a camera took last, the camera switching from one rate to
    the next at equal shares of the stream."""
    if not cameras:
        return np.arange(frames)
    part = np.minimum((np.arange(frames) * len(cameras)) // frames, len(cameras) - 1)
    images = np.zeros(frames, dtype=int)
    for k, camera in enumerate(cameras):
        frame = np.flatnonzero(part == k)
        local = np.floor((frame - frame[0]) * (camera or rate) / rate + 1e-9).astype(int)
        images[frame] = local + (images[frame[0] - 1] + 1 if frame[0] else 0)
    return images.astype(int)


def cost(before: ModuleType | None) -> None:
    """Watching (ms a frame) and `find` (ms, on the first COST_FIND_FRAMES frames and on all) on the real
    ASL clip shown at 60 fps, in memory and re-encoded at CRF 18; with `before`, that version's too,
    measured in turn on the same frames, and this tree's cost as a ratio of it."""
    _, streams = shown("asl_hand", [60.0], None)
    in_memory = [image for _, image in streams[60.0]]
    versions = {"this tree": this_tree} | ({} if before is None else {Path(before.__file__).name: before})
    for case, images in (("in memory", in_memory), ("CRF 18", reencoded(in_memory, 60.0, 18))):
        costs = {name: _cost(module, images) for name, module in versions.items()}
        for name, (watch_ms, find_first, find_all) in costs.items():
            print(
                f"cost {case:9s} {name:16s} watch {watch_ms:.3f} ms a frame ({len(images)} frames "
                f"{images[0].shape[1]}x{images[0].shape[0]}); find {find_first:6.2f} ms on "
                f"{COST_FIND_FRAMES} frames, {find_all:6.2f} ms on {len(images)}"
            )
        if before is not None:
            ratio = np.divide(*[np.array(costs[name]) for name in versions])
            print(f"cost {case:9s} now / before: watch {ratio[0]:.2f}, find {ratio[1]:.2f}, {ratio[2]:.2f}")


def _cost(module: ModuleType, images: list[np.ndarray], rounds: int = 3) -> tuple[float, float, float]:
    watch_ms = np.inf
    for _ in range(rounds):
        watcher = module.RepeatWatcher()
        start = time.perf_counter()
        for index, image in enumerate(images):
            watcher.add(Frame(index, index / 60.0, image))
        watch_ms = min(watch_ms, (time.perf_counter() - start) * 1e3 / len(images))
    first = module.RepeatWatcher()
    for index, image in enumerate(images[:COST_FIND_FRAMES]):
        first.add(Frame(index, index / 60.0, image))
    return watch_ms, _best_ms(first.find), _best_ms(watcher.find)


def _best_ms(call, tries: int = 5) -> float:
    best = np.inf
    for _ in range(tries):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def load(path: str) -> ModuleType:
    """capture/repeats.py of another version: FILE, or a folder holding its repeats.py and the
    cadence.py it imports (both from the code before a change)."""
    folder = Path(path)
    if folder.is_dir():
        # its repeats.py imports skillsight.capture.cadence by name: that version's, while it loads (this
        # tree's repeats module holds its own cadence functions already)
        cadence = _load_file(folder / "cadence.py", "cadence_under_test")
        mine = sys.modules["skillsight.capture.cadence"]
        sys.modules["skillsight.capture.cadence"] = cadence
        try:
            return _load_file(folder / "repeats.py", "repeats_under_test")
        finally:
            sys.modules["skillsight.capture.cadence"] = mine
    return _load_file(folder, "repeats_under_test")


def _load_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    global repeats, CACHE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", nargs="+", type=float, default=[15, 20, 25, 30, 50, 60])
    parser.add_argument("--lossy", type=int, default=None, metavar="CRF")
    parser.add_argument("--camera", type=float, default=None, metavar="FPS")
    parser.add_argument("--synthetic", action="store_true", help="the synthetic scenes only")
    parser.add_argument("--cost", action="store_true", help="the cost only")
    parser.add_argument("--module", default=None, metavar="FILE", help="another capture/repeats.py")
    parser.add_argument("--seed", type=int, default=20000, help="the synthetic scenes' noise")
    parser.add_argument("--cache", default=None, metavar="DIR", help="keep the encodings here")
    args = parser.parse_args()
    CACHE = None if args.cache is None else Path(args.cache)
    if args.cost:
        cost(load(args.module) if args.module else None)
        return
    if args.module:
        repeats = load(args.module)
    if args.synthetic:
        synthetic(args.rates, args.lossy, args.seed)
    else:
        for clip in CLIPS:
            report(clip, args.rates, args.lossy, args.camera)


if __name__ == "__main__":
    main()
