"""Frames a camera repeated (capture.repeats): found against the recording's own change between
frames, never in a still scene whose sensor noise is redrawn every frame, and the new images evened out
onto their own clock."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_file
from video_factory import drifting_texture_scene, moving_square_scene

from skillsight.capture.frames import Frame
from skillsight.capture.repeats import FrameRepeats, RepeatWatcher, new_image_times, shown_unevenly
from skillsight.capture.sources import open_source

SIZE = (120, 160)


def _scene(k: float, rng: np.random.Generator, noise: float = 2.0) -> np.ndarray:
    return moving_square_scene(k, rng, noise, SIZE)


def _watch(images: list[np.ndarray], fps: float) -> tuple[np.ndarray, FrameRepeats]:
    watcher = RepeatWatcher()
    for _ in watcher.watch(Frame(i, i / fps, image) for i, image in enumerate(images)):
        pass
    return watcher.find()


def test_a_webcam_sending_each_image_twice_is_found_frame_by_frame():
    rng = np.random.default_rng(1)
    images = []
    for k in range(40):  # 15 new images a second in a 30-fps stream
        image = _scene(k, rng)
        images += [image, image.copy()]
    repeats, found = _watch(images, 30.0)
    np.testing.assert_array_equal(repeats, np.arange(1, 80, 2))
    assert (found.frames, found.repeated, found.held) == (80, 40, 0)


def test_a_lossy_repeat_is_found_and_a_still_scene_with_sensor_noise_is_not():
    """A repeat re-encoded carries a little residue (here 0.3 grey levels, as the real clip's 0.03-0.08
    on a sample); a still scene's new frames differ by their redrawn noise (2 grey levels)."""
    rng = np.random.default_rng(2)
    still = [_scene(0, rng) for _ in range(30)]
    assert _watch(still, 30.0)[1].repeated == 0
    moving = []
    for k in range(30):
        image = _scene(k, rng)
        residue = np.clip(image + 0.3 * rng.standard_normal(image.shape), 0, 255).astype(np.uint8)
        moving += [image] + ([residue] if k % 3 == 2 else [])
    repeats, found = _watch(moving, 30.0)
    assert found.repeated == 10
    np.testing.assert_array_equal(repeats, [3 + 4 * j for j in range(10)])


def test_a_frame_before_a_cut_or_a_sudden_move_is_not_a_repeat():
    """Before a cut the change across a frame is large but the change behind it is not."""
    rng = np.random.default_rng(3)
    images = [_scene(0, rng) for _ in range(10)] + [255 - _scene(0, rng) for _ in range(10)]
    images += [_scene(k, rng) for k in range(0, 60, 6)]  # a sudden fast move after a still start
    assert _watch(images, 25.0)[1].repeated == 0


def test_a_held_picture_longer_than_a_cadence_is_kept_and_counted_apart():
    rng = np.random.default_rng(4)
    frozen = _scene(5, rng)
    images = [_scene(k, rng) for k in range(10)] + [frozen] * 12 + [_scene(k, rng) for k in range(10, 20)]
    repeats, found = _watch(images, 30.0)
    assert repeats.size == 0 and found.repeated == 0 and found.held == 11


def test_the_real_24_fps_clip_at_25_fps_repeats_about_one_frame_a_second():
    """asl_hand.25fps.mp4 is a 24-fps recording at 25 fps: its repeats (0.03-0.08 grey levels from the
    frame before, inside motion of 1-4) come every 24 or 25 frames (a few in still stretches, where a
    repeat matters little, are not told from the noise: there the gap is a multiple of that). One in 25
    is no camera's cadence: they are found, counted as occasional and kept."""
    source = open_source(shared_file("tfjs/asl_hand.25fps.mp4"))
    watcher = RepeatWatcher()
    for _ in watcher.watch(source):
        pass
    repeats = np.asarray(watcher.indices)[watcher.repeats()]
    assert 10 <= repeats.size <= 13, repeats
    cadences = np.diff(repeats) / (25.0 / (25.0 - 24.0) - 0.5)  # every 24.5 frames
    assert np.all(np.abs(cadences - np.round(cadences)) < 0.1), repeats
    dropped, found = watcher.find()
    assert dropped.size == 0 and found.repeated == 0 and found.occasional == repeats.size


def test_a_repeat_now_and_then_is_kept_and_a_cadence_is_dropped():
    rng = np.random.default_rng(5)
    images = [_scene(k, rng) for k in range(100)]
    now_and_then = [image for k, image in enumerate(images) for _ in range(2 if k % 25 == 24 else 1)]
    dropped, found = _watch(now_and_then, 25.0)
    assert dropped.size == 0 and (found.repeated, found.occasional) == (0, 4)
    cadence = [image for k, image in enumerate(images) for _ in range(2 if k % 5 == 4 else 1)]
    dropped, found = _watch(cadence, 30.0)
    assert dropped.size == 20 and (found.repeated, found.occasional) == (20, 0)


def test_a_recordings_own_repeats_shown_in_a_faster_stream_are_judged_as_in_the_recording():
    """A 25-fps recording with a lossy repeat now and then (kept there: no camera's cadence) shown at
    30 fps, each fifth image copied whole: the copies are the stream's cadence and are dropped; the
    recording's own repeats are judged on its frames, as at 25 fps, and kept."""
    rng = np.random.default_rng(6)
    recording = []
    for k in range(100):
        image = _scene(k, rng)
        residue = np.clip(image + 0.3 * rng.standard_normal(image.shape), 0, 255).astype(np.uint8)
        recording += [image] + ([residue] if k % 25 == 24 else [])
    assert _watch(recording, 25.0)[1].occasional == 4
    shown = [image for k, image in enumerate(recording) for _ in range(2 if k % 5 == 4 else 1)]
    copies = [k + k // 5 + 1 for k in range(4, len(recording), 5)]  # the second showings
    dropped, found = _watch(shown, 30.0)
    np.testing.assert_array_equal(dropped, copies)
    assert (found.repeated, found.occasional) == (len(copies), 4)


def _shown_at(source: str, rates: tuple[float, ...]) -> dict[float, tuple[RepeatWatcher, np.ndarray]]:
    """A clip's decoded frames shown at other rates in memory (each frame repeated whole, as often as the
    faster stream shows it): for each rate, the watcher that saw it and the copies (True)."""
    video = open_source(shared_file(source))
    fps = float(video.info.fps)
    watchers = {rate: RepeatWatcher() for rate in rates}
    shown: dict[float, list[int]] = {rate: [] for rate in rates}
    for frame in video:
        for rate in rates:
            while int(np.floor(len(shown[rate]) * fps / rate + 1e-9)) == frame.index:
                index = len(shown[rate])
                watchers[rate].add(Frame(index, index / rate, frame.image))
                shown[rate].append(frame.index)
    video.close()
    return {rate: (watchers[rate], np.diff(shown[rate], prepend=-1) == 0) for rate in rates}


def test_the_real_asl_clip_at_30_and_60_fps_drops_the_copies_and_keeps_its_25_images_a_second():
    """asl_hand.25fps.mp4 shown at 30 and 60 fps: the frames dropped are exactly the copies, the clip's
    own repeats (a 24-fps recording at 25 fps, about one a second) are kept as at 25 fps, and the new
    images come back on 25 a second, enough for tremor (24.8), not the 24.2 of dropping them too."""
    for rate, (watcher, copies) in _shown_at("tfjs/asl_hand.25fps.mp4", (30.0, 60.0)).items():
        dropped, found = watcher.find()
        np.testing.assert_array_equal(dropped, np.flatnonzero(copies))
        assert 10 <= found.occasional <= 13 and found.held == 0, (rate, found)
        kept = np.delete(np.asarray(watcher.times), dropped)
        assert shown_unevenly(kept)
        rate_of_images = 1.0 / np.median(np.diff(new_image_times(kept)))
        assert abs(rate_of_images - 25.0) < 0.05, (rate, rate_of_images)


def test_new_images_are_evened_onto_their_own_clock():
    """A 25-fps camera's images first shown in a 30-fps stream are up to 33 ms late in a 0.2-s pattern;
    evened out they lie on 25 fps again (within 1.5 ms in the last second at each end, where the
    window is padded by the end's own pattern). A steady clock comes back as it is."""
    true = np.arange(250) / 25.0
    shown = np.ceil(true * 30.0 - 1e-9) / 30.0
    assert np.max(np.abs(np.diff(shown) - 0.04)) > 0.01
    assert shown_unevenly(shown) and shown_unevenly(np.ceil(true * 60.0 - 1e-9) / 60.0)
    assert not shown_unevenly(true) and not shown_unevenly(np.delete(true, np.arange(10, 250, 25)))
    evened = new_image_times(shown)
    assert np.max(np.abs(np.diff(evened) - 0.04)) < 1.5e-3
    assert np.max(np.abs(np.diff(evened)[25:-25] - 0.04)) < 1e-9
    assert np.all(np.diff(evened) > 0)
    np.testing.assert_allclose(new_image_times(true), true, atol=1e-12)


def test_frame_repeats_are_validated_and_survive_a_round_trip():
    found = FrameRepeats(frames=100, repeated=20, held=3, occasional=2, image_fps=25.0, retimed=True)
    assert FrameRepeats.from_dict(found.to_dict()) == found
    for bad in (
        {"frames": 10, "repeated": 9, "occasional": 2},
        {"frames": 10, "repeated": -1},
        {"frames": 10, "repeated": 1.5},
    ):
        with pytest.raises(ValueError):
            FrameRepeats(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FrameRepeats(frames=10, repeated=1, image_fps=0.0)


READ_AHEAD_RACE_FRAMES = 3000


def test_finding_repeats_while_the_decoder_still_adds_frames_read_ahead():
    """Tracking that stops at max_frames asks for the repeats while the decoding thread may still be
    adding a frame it read ahead: every answer covers whole frames (a fresh-clone CI run once saw
    2510 step values against 2509 of another kind)."""
    import sys
    import threading

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (240, 320, 3), dtype=np.uint8) for _ in range(8)]
    watcher = RepeatWatcher()
    stop = threading.Event()

    def decode() -> None:  # a bounded stream: `find` reads every frame seen so far, each call
        for index in range(READ_AHEAD_RACE_FRAMES):
            if stop.is_set():
                return
            watcher.add(Frame(index, index / 30.0, images[index % len(images)]))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so a switch lands inside add()
    thread = threading.Thread(target=decode)
    thread.start()
    try:
        calls = 0
        while thread.is_alive() or calls == 0:  # every call races the adding thread
            dropped, found = watcher.find()
            assert found.frames >= dropped.size
            calls += 1
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)


def _lossy(images: list[np.ndarray], fps: int, crf: int = 23) -> list[np.ndarray]:
    """The images encoded as a recorded file is (libx264 at this CRF, PyAV) and decoded again: a repeat
    comes back as a near-repeat, carrying the encoder's residue."""
    av = pytest.importorskip("av")
    import io

    buffer = io.BytesIO()
    height, width = (side // 2 * 2 for side in images[0].shape[:2])  # yuv420p: even sides
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf)}
        for image in images:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:height, :width]), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    buffer.seek(0)
    with av.open(buffer) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_each_image_shown_three_times_in_a_lossy_file_is_found_and_a_lossy_still_scene_is_not():
    """A 10-fps camera in a 30-fps file: the third showing differs from the second by residue as it does
    from the first, so it is judged against the image, not its last copy. A still scene in the same file
    (a webcam's sensor noise, 3 grey levels, kept by the encoder) differs from frame to frame alike, never
    more from the frame after than from the one before: none is dropped."""
    rng = np.random.default_rng(7)
    moving = _lossy([_scene(k, rng, noise=3.0) for k in range(30) for _ in range(3)], 30)
    dropped, found = _watch(moving, 30.0)
    copies = [k for k in range(90) if k % 3]
    assert set(dropped) <= set(copies) and len(dropped) >= 0.9 * len(copies), (dropped, found)
    still = _lossy([_scene(0, rng, noise=3.0) for _ in range(90)], 30)
    assert _watch(still, 30.0)[1].repeated == 0


def test_a_still_scene_whose_noise_the_encoder_wiped_out_loses_no_frame():
    """At a high CRF the encoder erases a still scene's sensor noise: its frames are near-copies, some
    identical, and the differences take many for repeats; but they fall anywhere, on no camera's step
    (capture.cadence), so every frame is kept as an image. A 25-fps camera's lossy repeats in the same
    file keep their step and are dropped, each of them."""
    rng = np.random.default_rng(40001)
    for noise, crf in ((3.0, 28), (1.0, 23)):
        still = _lossy([_scene(0, rng, noise=noise) for _ in range(90)], 30, crf)
        assert _watch(still, 30.0)[1].repeated == 0, (noise, crf)
    shown = [int(np.floor(j * 25 / 30 + 1e-9)) for j in range(90)]
    images = {k: _scene(k, rng) for k in set(shown)}
    dropped, _ = _watch(_lossy([images[k] for k in shown], 30, 28), 30.0)
    np.testing.assert_array_equal(dropped, np.flatnonzero(np.diff(shown, prepend=-1) == 0))


def test_a_5_fps_camera_in_a_60_fps_lossy_file_drops_its_11_showings_of_each_image():
    """Each image shown 12 times: the run is judged against the image across all 11 repeats (LAGS), not
    cut after 5, where the next showing is no new image to measure the change on."""
    rng = np.random.default_rng(40002)
    images = _lossy([_scene(k, rng) for k in range(20) for _ in range(12)], 60, 23)
    dropped, found = _watch(images, 60.0)
    copies = [j for j in range(240) if j % 12]
    assert set(dropped) <= set(copies) and len(dropped) >= 0.95 * len(copies), (dropped, found)


def test_repeats_off_the_step_of_a_cadence_are_kept():
    """capture.cadence on its own: a camera's repeats every sixth frame are kept whole (the in-memory
    resampling's exact cadence), those among them off that step (a near-still frame taken for one) are
    not, and repeats scattered at random are no cadence at all."""
    from skillsight.capture.cadence import keeps_cadence

    cadence = np.arange(240) % 6 == 5
    np.testing.assert_array_equal(keeps_cadence(cadence), cadence)
    stray = cadence.copy()
    stray[[40, 101, 150]] = True
    np.testing.assert_array_equal(keeps_cadence(stray), cadence)
    scattered = np.zeros(240, dtype=bool)
    scattered[np.random.default_rng(40003).choice(240, 40, replace=False)] = True
    assert not keeps_cadence(scattered).any()


def test_a_lossy_file_at_50_fps_from_a_25_to_33_fps_camera_drops_its_copies_in_slow_motion():
    """Slow motion at CRF 28: a repeat differs from its image by a third to a half of what a new image
    does, and only some repeats lie under a quarter of the change. Those few keep the camera's step (a
    comb: at 25 images a second in a 50-fps file, every other frame), which the cadence finds at its
    fundamental above their own rate; on its arc the rest are judged at half the change, and every copy
    is dropped, no new image. (Before: the step was searched near the few repeats' own rate, not found,
    and 27 of 75 copies were kept, 26 of 60 at 30 images a second.) The scene held still (every frame a
    new image of sensor noise) loses no frame."""
    for camera in (25, 30):
        rng = np.random.default_rng(30006)
        shown = [int(np.floor(j * camera / 50 + 1e-9)) for j in range(150)]
        images = {k: drifting_texture_scene(k, rng) for k in set(shown)}
        dropped, found = _watch(_lossy([images[k] for k in shown], 50, 28), 50.0)
        np.testing.assert_array_equal(dropped, np.flatnonzero(np.diff(shown, prepend=-1) == 0))
        assert found.held == 0, (camera, found)
    still = _lossy([drifting_texture_scene(0, rng) for _ in range(150)], 50, 28)
    assert _watch(still, 50.0)[1].repeated == 0


def test_a_cadence_found_on_a_few_of_its_repeats_puts_the_rest_on_its_arc():
    """capture.cadence on its own: a 25-fps camera at 50 fps repeats every other frame; slow motion at a
    high CRF let only about a quarter of them be found (0.13 a frame, under MIN_SHARE). They keep the
    step of 0.5, above their own rate, and its arc holds every repeat and no new image. A 25-fps camera
    at 30 fps gathers at 1/6, 1/3 and 1/2 alike: the arc is the fundamental's (every sixth frame), not a
    harmonic's. Repeats scattered at random keep no cadence."""
    from skillsight.capture.cadence import cadence_arc

    rng = np.random.default_rng(40004)
    every_other = np.arange(400) % 2 == 1
    found = every_other & (rng.random(400) < 0.27)
    assert found.mean() < 0.15
    np.testing.assert_array_equal(cadence_arc(found), every_other)
    sixth = np.arange(240) % 6 == 5
    np.testing.assert_array_equal(cadence_arc(sixth), sixth)
    scattered = np.zeros(400, dtype=bool)
    scattered[rng.choice(400, 55, replace=False)] = True
    assert not cadence_arc(scattered).any()


@pytest.mark.slow
def test_the_real_hand_reaching_clip_in_a_lossy_file_loses_no_image_at_30_or_60_fps():
    """hand_reaching.mp4 (25 fps, a hand reaching slowly) shown at 30 and 60 fps, encoded at CRF 28: in
    slow motion a copy differs from its image by a third to a half of a new image's change, and a new
    image may move less than the copies' residue. Every frame dropped is a copy (before: at 30 fps the
    cadence was read at its harmonic, every other frame, and a real image was lost while 16 copies were
    kept), and at 60 fps the arc is the camera's (7 copies in 12 frames; before: 5, and 148 of the 283
    copies were kept; now about 60, in stretches where the hand holds still and a copy differs from its
    image as much as a new image does)."""
    video = open_source(shared_file("mediapipe_samples/hand_reaching.mp4"))
    fps, clip = float(video.info.fps), [frame.image for frame in video]
    video.close()
    for rate, most_kept in ((30, 3), (60, 80)):
        shown = [int(np.floor(j * fps / rate + 1e-9)) for j in range(int(len(clip) * rate / fps))]
        dropped, found = _watch(_lossy([clip[k] for k in shown], rate, 28), float(rate))
        copies = np.diff(shown, prepend=-1) == 0
        assert copies[dropped].all(), (rate, np.setdiff1d(dropped, np.flatnonzero(copies)))
        assert copies.sum() - dropped.size <= most_kept, (rate, found)


@pytest.mark.slow
def test_the_real_asl_clip_seen_by_a_5_fps_camera_drops_every_copy_but_a_held_picture():
    """asl_hand.25fps.mp4 taken by a 5-fps camera and shown at 30, 50 and 60 fps in memory: each image
    is copied whole 5, 9 or 11 times. Its last two images are one picture (the clip's own repeat, a
    24-fps recording at 25 fps), held 0.4 s: kept, as a held picture is. Every other copy is dropped
    (before: the held frames were taken as new images in the cadence test of the last stretch, which
    broke its comb of new images, and 34, 71 and 110 copies were kept)."""
    video = open_source(shared_file("tfjs/asl_hand.25fps.mp4"))
    taken = [frame.image for frame in video if frame.index % 5 == 0]  # the camera's images, at k / 5 s
    video.close()
    for rate in (30, 50, 60):
        shown = [int(np.floor(j * 5 / rate + 1e-9)) for j in range(int(len(taken) * rate / 5))]
        dropped, found = _watch([taken[k] for k in shown], float(rate))
        copies = np.diff(shown, prepend=-1) == 0
        assert copies[dropped].all(), rate
        assert copies.sum() - dropped.size <= found.held, (rate, found)


def test_the_arc_of_a_cadence_is_read_from_every_frames_change():
    """capture.cadence on its own, with each frame's likeness to a copy (its change against the change
    around it, `_copy_likeness`). A 25-fps camera at 30 fps: the repeats found are its copies and some
    new images of the slowest motion, on odd frames as a third of the copies are, so the found ones
    gather more at 1/2 than at 1/6; the copies' change says the arc is every sixth frame (before: every
    other frame, and a real image was judged as loosely as a copy).
    A 25-fps camera at 60 fps copies 7 frames in 12, two images twice; the copies found are the rest
    (the first copy after a new image carries the most residue in a lossy file) and lie on an arc of
    5/12, as long as the step; the arc holds all 7 (before: the 5)."""
    from skillsight.capture.cadence import cadence_arc

    rng = np.random.default_rng(40005)
    sixth = np.arange(240) % 6 == 5
    likeness = np.where(sixth, 0.3, -0.1) + 0.05 * rng.standard_normal(240)
    found = sixth.copy()
    found[[7, 19, 37, 49, 73, 85, 103, 115, 139, 151, 169, 181, 205, 217, 235]] = True  # odd new images
    np.testing.assert_array_equal(cadence_arc(found, likeness), sixth)
    image = np.floor(np.arange(360) * 25 / 60 + 1e-9)
    copies = np.diff(image, prepend=-1) == 0
    likeness = np.where(copies, 0.25, -0.2) + 0.05 * rng.standard_normal(360)
    found = copies & ~np.isin(np.arange(360) % 12, (1, 6))  # new images on 0, 3, 5, 8 and 10
    np.testing.assert_array_equal(cadence_arc(found, likeness), copies)


def test_a_cadence_found_in_part_of_a_recording_is_drawn_where_the_likeness_keeps_it():
    """capture.cadence on its own: a 25-fps camera at 50 fps whose copies the strict test found in the
    first half only (in the second the hand holds still at a high CRF): where the frames' likeness
    still sets every other frame apart, the recording's cadence is drawn there too; where it is noise
    (no camera's step), no arc is."""
    from skillsight.capture.cadence import arc_and_cadence

    rng = np.random.default_rng(40006)
    copies = np.arange(480) % 2 == 1
    found = copies & (np.arange(480) < 240)
    likeness = np.where(copies, 0.2, -0.2) + 0.15 * rng.standard_normal(480)
    arc, cadence = arc_and_cadence(found, likeness)
    np.testing.assert_array_equal(arc, copies)
    assert cadence.all()
    likeness[240:] = 0.15 * rng.standard_normal(240)
    arc, cadence = arc_and_cadence(found, likeness)
    np.testing.assert_array_equal(arc[:160], copies[:160])
    assert not arc[320:].any() and not cadence[320:].any()


def _encoder_still_scene(frames: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A still scene as x264 leaves it once its sensor noise is wiped out, in memory: in each group of 4
    frames (a P frame and 3 B frames) the P frame redraws a few pixels by a grey level (about 0.02 on
    average), the first B frame a few more, the second shows the first again, the third moves a pixel
    or two: sub-grey differences that repeat on a 4-frame step, as a camera of 3/4 of the stream's rate
    would, with no motion at all."""
    base = moving_square_scene(0, rng, 0.0, SIZE)
    images, current = [], base
    for j in range(frames):
        share = (0.02, 0.004, 0.0, 0.0005)[j % 4]
        changed = rng.random(SIZE) < share
        nudged = base.astype(np.int16) + np.where(changed, rng.choice([-1, 1], SIZE), 0)[..., None]
        current = np.where(changed[..., None], nudged, current).astype(np.uint8) if share else current
        images.append(current.copy())
    return images


def test_a_still_scene_whose_differences_follow_the_encoders_frame_types_loses_no_frame():
    """No cadence is read where nothing moves: frames that differ from each other by a fraction of a
    grey level (under any sensor's noise), up to 12 frames apart, repeat on the encoder's 4-frame step
    and look like a camera of 3/4 of the stream's rate; every frame is kept as an image (before: 3 in
    4 were dropped as copies). A 25-fps camera whose square moves, in the same recording, still has
    its copies dropped."""
    rng = np.random.default_rng(40011)
    for fps in (30.0, 50.0):
        dropped, found = _watch(_encoder_still_scene(int(3 * fps), rng), fps)
        assert dropped.size == 0, (fps, found)
    shown = [int(np.floor(j * 25 / 50 + 1e-9)) for j in range(150)]
    moving = {k: _scene(k, rng) for k in set(shown)}
    images = [moving[k] for k in shown] + _encoder_still_scene(150, rng)
    dropped, found = _watch(images, 50.0)
    np.testing.assert_array_equal(dropped, np.flatnonzero(np.diff(shown, prepend=-1) == 0))


def test_a_lossy_still_scene_at_50_fps_loses_no_frame_to_x264s_4_frame_pattern():
    """The same through x264 (CRF 23, sensor noise of 1 grey level, which the encoder wipes out): its
    frames repeat in the pattern of its frame types (P B B B), which the old finder took for a camera's
    cadence (seed 30003 lost 44 of 150 frames at 50 fps, and the drifting texture held still 40 of 90 at
    30 fps; here seed 40028 lost 56 of 150). Over several scenes, none is lost."""
    lost = {}
    for seed in range(40026, 40030):
        rng = np.random.default_rng(seed)
        for fps in (30, 50):
            scene = _scene if seed % 2 else drifting_texture_scene
            still = _lossy([scene(0, rng, 1.0) for _ in range(3 * fps)], fps, 23)
            lost[(seed, fps)] = _watch(still, float(fps))[1].repeated
    assert not any(lost.values()), lost


def test_a_camera_that_switches_from_25_to_15_images_a_second_loses_no_image_at_the_switch():
    """A webcam lowers its rate as the light falls: 25 images a second, then 15, in a 30-fps file at
    CRF 28, a texture drifting slowly (a new image in steady motion differs from the one before by half
    the change across it, the loose share a cadence's arc allows). The window about the switch reads
    the 15-fps cadence (every other frame) and drew it over the 25-fps frames (a copy every sixth): 2
    and 3 of their new images were dropped. Its arc is now drawn where the windows on both sides of a
    stretch keep it: no image is lost."""
    for seed in (30011, 30012):
        rng = np.random.default_rng(seed)
        shown = [int(np.floor(j * 25 / 30 + 1e-9)) for j in range(120)]
        shown += [shown[-1] + 1 + int(np.floor(j * 15 / 30 + 1e-9)) for j in range(120)]
        images = {k: drifting_texture_scene(k, rng) for k in set(shown)}
        dropped, found = _watch(_lossy([images[k] for k in shown], 30, 28), 30.0)
        copies = np.diff(shown, prepend=-1) == 0
        assert copies[dropped].all(), (seed, np.setdiff1d(dropped, np.flatnonzero(copies)))
        assert copies.sum() - dropped.size <= 2, (seed, found)
