"""Landmark models run directly on image crops: the runtime table, rotated regions and their geometry.

In the style of rtmlib, a model is pre-process / infer / post-process, the first and last pure numpy,
the middle one call through a small backend table (`BACKENDS`: name -> a factory turning a .tflite model's
bytes into a function from an input array to the output arrays). The models are read from the shipped
``models/tracking/*.task`` bundles (zip files), so nothing is downloaded or unpacked at run time.

A region of interest (`Roi`) is a rotated rectangle in pixels of the frame, MediaPipe's
``NormalizedRect`` without the normalisation: the crop maps its corners onto the model input's corners
(`crop`), and landmarks found in the crop map back with the inverse (`to_image`). The helpers that place
regions follow MediaPipe's calculators: `aligned_roi` (AlignmentPointsRectsCalculator: a square centred
on one point, sized and turned by the line to a second) and `transform_roi` (RectTransformationCalculator:
shift along the rotated axes, square on the long side, scale).
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

Infer = Callable[[np.ndarray], list[np.ndarray]]
RUNTIME = "litert"  # the backend the shipped trackers use


def _litert(model: bytes, threads: int) -> Infer:
    # ai_edge_litert is imported only when a crop model is built: `skillsight info` must stay light.
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model, num_threads=threads)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    # outputs in name order (Identity, Identity_1, ...): the order MediaPipe's graphs read them in
    outputs = sorted(interpreter.get_output_details(), key=lambda d: (len(d["name"]), d["name"]))
    indices = [d["index"] for d in outputs]

    def infer(tensor: np.ndarray) -> list[np.ndarray]:
        interpreter.set_tensor(source, tensor)
        interpreter.invoke()
        return [interpreter.get_tensor(i) for i in indices]

    return infer


BACKENDS: dict[str, Callable[[bytes, int], Infer]] = {"litert": _litert}


def runtime_version(backend: str = RUNTIME) -> str:
    from importlib import metadata

    package = {"litert": "ai-edge-litert"}[backend]
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package} (not installed)"


@lru_cache(maxsize=8)
def bundle_member(bundle: Path, member: str, outputs: Optional[tuple[str, ...]] = None) -> bytes:
    """One .tflite model from a .task bundle (a zip), with a clear error when it is not there."""
    try:
        with zipfile.ZipFile(bundle) as archive:
            model = archive.read(member)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise FileNotFoundError(
            f"{bundle}: cannot read the model {member} from this bundle ({exc}); rebuild it with "
            "scripts/build_task_bundles.py"
        ) from exc
    return model if outputs is None else keep_outputs(model, outputs)


def keep_outputs(model: bytes, outputs: tuple[str, ...]) -> bytes:
    """The model computing only the named outputs: every operator none of them needs is dropped (an
    interpreter runs every operator of a graph, wanted or not). What is kept is the same operators on
    the same weights, so the kept outputs are bit-identical; e.g. the pose landmark model's 256 x 256
    segmentation mask, which SkillSight never reads, is a third of that model's time."""
    # the flatbuffer schema and runtime come with ai-edge-litert, imported only when a model is built
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    graph = tree.subgraphs[0]
    names = [graph.tensors[i].name.decode() for i in graph.outputs]
    missing = sorted(set(outputs) - set(names))
    if missing:
        raise ValueError(f"the model has no output named {', '.join(missing)} (it has {', '.join(names)})")
    wanted = [i for i, name in zip(graph.outputs, names) if name in outputs]
    producer = {tensor: k for k, op in enumerate(graph.operators) for tensor in op.outputs}
    needed: set[int] = set()
    stack = list(wanted)
    while stack:
        k = producer.get(stack.pop())
        if k is not None and k not in needed:
            needed.add(k)
            stack.extend(i for i in graph.operators[k].inputs if i >= 0)
    graph.operators = [op for k, op in enumerate(graph.operators) if k in needed]
    graph.outputs = wanted
    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def load_model(
    bundle: Path,
    member: str,
    backend: str = RUNTIME,
    threads: int = 1,
    outputs: Optional[tuple[str, ...]] = None,
) -> Infer:
    """A model of a bundle as a function; with `outputs`, computing only those (see `keep_outputs`)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown crop-model backend {backend!r}; choose from {', '.join(BACKENDS)}")
    return BACKENDS[backend](bundle_member(bundle, member, outputs), threads)


@dataclass(frozen=True)
class Roi:
    """A rotated rectangle in frame pixels: centre, width, height, rotation (radians, clockwise on
    screen, 0 = upright)."""

    x: float
    y: float
    width: float
    height: float
    rotation: float = 0.0

    def _axes(self) -> np.ndarray:
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        return np.array([[c, -s], [s, c]])

    def to_image(self, points: np.ndarray, size: int) -> np.ndarray:
        """(N, >=2) points in a `size` x `size` crop of this region -> frame pixels (x, y only)."""
        rel = (points[:, :2] / size - 0.5) * (self.width, self.height)
        return np.asarray(rel @ self._axes().T + (self.x, self.y))

    def crop_matrix(self, size: int) -> np.ndarray:
        """The 2x3 affine map from frame pixels to the crop's pixels."""
        inverse = self._axes().T / np.array([[self.width], [self.height]]) * size
        offset = size / 2.0 - inverse @ np.array([self.x, self.y])
        return np.hstack([inverse, offset[:, None]])


def crop(
    image: np.ndarray, roi: Roi, size: int, value_range: tuple[float, float], replicate: bool = False
) -> np.ndarray:
    """The region as the (1, size, size, 3) float32 model input; outside the frame zero, or the edge
    pixels repeated (`replicate`, ImageToTensorCalculator's default border)."""
    border = cv2.BORDER_REPLICATE if replicate else cv2.BORDER_CONSTANT
    patch = cv2.warpAffine(
        image, roi.crop_matrix(size), (size, size), flags=cv2.INTER_LINEAR, borderMode=border
    )
    low, high = value_range
    tensor = patch.astype(np.float32) * np.float32((high - low) / 255.0) + np.float32(low)
    return tensor[None]


def normalize_radians(angle: float) -> float:
    return angle - 2.0 * math.pi * math.floor((angle + math.pi) / (2.0 * math.pi))


def axis_rotation(start: np.ndarray, end: np.ndarray, target: float = math.pi / 2) -> float:
    """The turn that brings the line start -> end to `target` (90 degrees: pointing up on screen)."""
    return normalize_radians(target - math.atan2(-(end[1] - start[1]), end[0] - start[0]))


def aligned_roi(centre: np.ndarray, toward: np.ndarray) -> Roi:
    """A square centred on `centre`, twice as wide as the distance to `toward`, turned so that the
    line between them points up."""
    size = 2.0 * float(np.hypot(*(toward[:2] - centre[:2])))
    return Roi(float(centre[0]), float(centre[1]), size, size, axis_rotation(centre, toward))


def transform_roi(roi: Roi, scale: float, shift_y: float = 0.0) -> Roi:
    """Shift along the region's own vertical axis (in heights), square on the long side, scale."""
    dx = -roi.height * shift_y * math.sin(roi.rotation)
    dy = roi.height * shift_y * math.cos(roi.rotation)
    side = max(roi.width, roi.height) * scale
    return Roi(roi.x + dx, roi.y + dy, side, side, roi.rotation)


def bounding_roi(points: np.ndarray, rotation: float) -> Roi:
    """The smallest rectangle turned by `rotation` holding the (N, >=2) points."""
    c, s = math.cos(rotation), math.sin(rotation)
    turned = points[:, :2] @ np.array([[c, -s], [s, c]])  # into the region's own axes
    low, high = turned.min(axis=0), turned.max(axis=0)
    centre = np.array([[c, -s], [s, c]]) @ ((low + high) / 2.0)
    width, height = high - low
    return Roi(float(centre[0]), float(centre[1]), float(width), float(height), rotation)


def sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(values, -80.0, 80.0))))
