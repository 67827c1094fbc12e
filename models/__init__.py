"""Shipped scorers (ONNX + JSON model card) and expert references (JSON), versioned by file name."""

from __future__ import annotations

from pathlib import Path


def shipped_models_dir() -> Path:
    return Path(__file__).resolve().parent
