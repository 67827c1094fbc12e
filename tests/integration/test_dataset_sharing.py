"""Motion-only dataset packages, pooled training and leave-site-out (issue 17)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pytest
from conftest import shared_file

from skillsight import dataset_export as export
from skillsight.commands.train import run_training
from skillsight.datasets import DatasetError, load_dataset
from skillsight.datasets.shared_packages import load_pooled
from skillsight.datasets.synthetic_sites import write_site_folder
from skillsight.lab_records import RecordError, import_ratings_csv, record_consent, record_rating
from skillsight.motion_sharing import FACE_KEYPOINTS, pseudonym, site_salt
from skillsight.packages import PACKAGE_CARD
from skillsight.pooled_reference import pooled_reference, spread_lines
from skillsight.pose.motion import empty_motion, save_motion
from skillsight.scoring.results import Assessment
from skillsight.scoring.synthetic import generate_practice
from skillsight.storage import Database

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"ftypisom", b"ftypmp4", b"GIF8", b"RIFF", b"\x1aE\xdf\xa3")
ISO_TIME = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def _package(selection, out, site="lab-a", salt=b"s" * 32):
    return export.write_dataset_package(
        selection, out, site=site, salt=salt, name=f"{site}-motion", licence="CC-BY-4.0", consent="test"
    )


def _members(package):
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.slow
def test_a_package_of_real_tracked_clips_holds_no_image_face_name_or_time(tmp_path):
    clips = {"tfjs/pose_squats.mp4": "intubation", "mediapipe_samples/hand_reaching.mp4": "suturing"}
    folder = tmp_path / "lab"
    folder.mkdir()
    rows = ["participant,procedure,trial,file,skill_level,grs,consent"]
    originals = []
    for i, (relative, procedure) in enumerate(clips.items()):
        clip = shared_file(relative)
        name = f"jane_doe_2025-03-14_1632_{i}{clip.suffix}"
        (folder / name).symlink_to(clip)
        rows.append(f"Jane Doe {i},{procedure},1,{name},novice,12,yes")
        originals += [name, clip.name, clip.stem, f"Jane Doe {i}"]
    rows.append(f"Refused Person,suturing,1,{name},novice,12,no")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")
    selection = export.from_folder(folder)
    assert len(selection.sessions) == 2 and selection.skipped["no consent to share"] == 1
    digests = [s.motion.metadata["source_sha256"] for s in selection.sessions]
    assert any("nose" in s.motion.keypoints for s in selection.sessions)  # the pose clip has a face
    package = tmp_path / "lab.skillsight"
    _package(selection, package)
    members = _members(package)
    assert sorted(members) == sorted(
        [PACKAGE_CARD, "labels.csv", "datasheet.json", "s0001.motion.npz", "s0002.motion.npz"]
    )
    for name, data in members.items():
        _assert_nothing_identifying(name, data, [*originals, "Refused Person", *digests])
        if name.endswith(".motion.npz"):
            _assert_motion_only(name, data, [*originals, *digests])


def _assert_nothing_identifying(name, data, forbidden):
    assert not any(magic in data for magic in IMAGE_MAGIC), f"{name} holds image or video bytes"
    if name.endswith((".json", ".csv")):
        text = data.decode("utf-8")
        assert not ISO_TIME.search(data), f"{name} holds an absolute time"
        for word in forbidden:
            assert word not in text, f"{name} names {word!r}"


def _assert_motion_only(name, data, forbidden):
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        for member in inner.namelist():
            assert member.split(".")[0] in (
                "positions", "confidence", "timestamps", "frame_indices", "names", "metadata", "filled",
                "world_positions",
            ) or member.startswith("signal:"), f"{name}: unexpected array {member}"  # fmt: skip
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        names = json.loads(str(arrays["names"]))
        metadata_text = str(arrays["metadata"])
        timestamps = arrays["timestamps"]
    assert not set(names["keypoints"]) & set(FACE_KEYPOINTS), f"{name} keeps face keypoints"
    assert timestamps[0] == 0.0 and timestamps[-1] < 3600, f"{name}: time does not start at zero"
    metadata = json.loads(metadata_text)
    assert not {"source", "source_sha256", "video_info", "decode_damage"} & set(metadata)
    assert not ISO_TIME.search(metadata_text.encode())
    for word in forbidden:
        assert word not in metadata_text, f"{name} metadata names {word!r}"


def _stored_session(db, tmp_path, trainee, seed, skill):
    motion = generate_practice(skill, "suturing", duration_s=20, seed=seed)
    path = save_motion(motion, tmp_path / f"{trainee}-{seed}.motion.npz")
    assessment = Assessment(status="scored", procedure="suturing", skill_level="expert")
    return db.add_session(
        trainee=trainee, procedure="suturing", assessment=assessment, source_name=f"{trainee}.mp4",
        motion_path=str(path),
    )  # fmt: skip


def test_a_session_refused_before_tracking_is_not_shared(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'lab.db'}")
    tracked = _stored_session(db, tmp_path, "Ann", 1, "novice")
    motion = generate_practice("novice", "suturing", duration_s=20, seed=2)
    untracked = save_motion(empty_motion(motion.individuals, motion.keypoints), tmp_path / "short.motion.npz")
    refused = Assessment(
        status="refused", procedure="suturing", refusal_reasons=["the recording is 13 s long"]
    )
    short = db.add_session(
        trainee="Ann", procedure="suturing", assessment=refused, source_name="short.mp4",
        motion_path=str(untracked),
    )  # fmt: skip
    record_consent(db, "Ann", True)
    for session in (tracked, short):
        record_rating(db, session, rater="Dr A", grs=12, skill_level="novice")
    selection = export.from_database(db)
    assert len(selection.sessions) == 1 and selection.sessions[0].motion.n_frames > 0
    assert selection.skipped == {export.NOT_TRACKED: 1}


def test_database_export_takes_consented_rated_sessions_under_stable_pseudonyms(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'lab.db'}")
    ann = [_stored_session(db, tmp_path, "Ann", seed, "novice") for seed in (1, 2)]
    bob = _stored_session(db, tmp_path, "Bob", 3, "expert")
    cy = _stored_session(db, tmp_path, "Cy", 4, "expert")
    record_consent(db, "Ann", True)
    record_consent(db, "Bob", True)
    record_consent(db, "Cy", True)
    record_consent(db, "Cy", False)  # withdrawn: the latest decision counts
    items = {"respect_for_tissue": 2, "time_and_motion": 2, "instrument_handling": 3}
    record_rating(db, ann[0], rater="Dr A", items=items, skill_level="novice")
    record_rating(db, ann[0], rater="Dr B", grs=9, skill_level="novice")
    record_rating(db, cy, rater="Dr A", grs=30, skill_level="expert")
    with pytest.raises(RecordError, match="1 to 5"):
        record_rating(db, bob, rater="Dr A", items={"respect_for_tissue": 7})
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"session_id,rater,skill_level,osats_time_and_motion\n{bob},Dr C,expert,5\n")
    assert import_ratings_csv(db, ratings) == 1
    selection = export.from_database(db)
    assert len(selection.sessions) == 2  # Ann's rated session, Bob's
    assert selection.skipped == {"no educator's rating": 1, "no consent to share": 1}
    pooled = next(s for s in selection.sessions if s.participant == "Ann")
    assert pooled.grs == pytest.approx(8.0) and pooled.items["time_and_motion"] == 2
    salt = site_salt(tmp_path / "keys")
    assert (
        site_salt(tmp_path / "keys") == salt
        and (tmp_path / "keys" / "pseudonym-salt").stat().st_mode & 0o077 == 0
    )
    first, second = tmp_path / "a.skillsight", tmp_path / "b.skillsight"
    _package(selection, first, salt=salt)
    _package(export.from_database(db), second, salt=salt)
    labels = [_members(p)["labels.csv"].decode() for p in (first, second)]
    assert labels[0] == labels[1] and pseudonym(salt, "lab-a", "Ann") in labels[0] and "Ann" not in labels[0]
    assert pseudonym(b"other" * 8, "lab-a", "Ann") != pseudonym(salt, "lab-a", "Ann")
    sheet = json.loads(_members(first)["datasheet.json"])
    assert sheet["per_level"] == {"novice": 1, "expert": 1} and sheet["per_site"] == {"lab-a": 2}
    assert sheet["duration_s"]["median"] == pytest.approx(20, abs=1)
    assert sheet["left_out"] == {"no educator's rating": 1, "no consent to share": 1}


def _site_folder(root, site, n_participants=4, trials=2):
    return write_site_folder(root, site, n_participants, trials)


@pytest.mark.slow
def test_leave_site_out_on_three_generated_sites_reports_per_site_figures(tmp_path):
    packages = []
    for site in ("north", "south", "east"):
        folder = _site_folder(tmp_path, site)
        packages.append(tmp_path / f"{site}.skillsight")
        _package(export.from_folder(folder), packages[-1], site=site)
    pooled = run_training(
        "ours", packages, procedure="suturing", protocol="leave-site-out", feature_set="default",
        classifier="logistic", regressor="ridge", coverage=0.9, report_path=tmp_path / "r.json",
        out_dir=None, name=None, version="1", cache_dir=None, echo=lambda line: None,
    )  # fmt: skip
    assert [fold["sites"] for fold in pooled["folds"]] == [["east"], ["north"], ["south"]]
    assert set(pooled["per_site"]) == {"north", "south", "east"}
    for figures in pooled["per_site"].values():
        assert figures["n"] == 8 and figures["participants"] == 4
        assert 0 <= figures["accuracy"] <= 1 and figures["mae"] is not None
    assert set(pooled["louo"]["per_site"]) == {"north", "south", "east"}
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["protocol"] == "leave-site-out" and "louo" in saved


def test_the_ours_loader_reads_a_package_and_refuses_a_changed_motion_file(tmp_path):
    folder = _site_folder(tmp_path, "north", n_participants=2, trials=1)
    package = tmp_path / "north.skillsight"
    _package(export.from_folder(folder), package, site="north")
    dataset = load_dataset("ours", package)
    assert len(dataset) == 2 and {s.groups["site"] for s in dataset} == {"north"}
    assert all(s.skill_level and s.grs is not None for s in dataset)
    members = _members(package)
    with zipfile.ZipFile(package, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data[:-30] + bytes(30) if name == "s0002.motion.npz" else data)
    with pytest.raises(DatasetError, match="s0002.motion.npz"):
        load_dataset("ours", package)


def test_an_ours_folder_without_a_consent_column_is_refused(tmp_path):
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "labels.csv").write_text("participant,trial,file,skill_level\nA,1,a.motion.npz,novice\n")
    with pytest.raises(DatasetError, match="no consent column"):
        export.from_folder(folder, "suturing")


def test_a_pooled_reference_shows_each_sites_spread(tmp_path):
    folders = [_site_folder(tmp_path, site, n_participants=3, trials=1) for site in ("north", "east")]
    dataset = load_pooled("ours", folders, procedure="suturing")
    reference, spread = pooled_reference(dataset, "suturing", name="pooled")
    assert (
        reference.n_experts == 2
        and "north (1)" in reference.built_from
        and "east (1)" in reference.built_from
    )
    duration = spread["task.duration"]
    assert set(duration) == {"pooled", "north", "east"} and duration["pooled"]["n"] == 2
    assert any("north" in line and "east" in line for line in spread_lines(spread, ["task.duration"]))
