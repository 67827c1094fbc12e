"""A lab's Ed25519 signing key, and signatures over a manifest hash (skillsight.manifest).

    skillsight keys new      # writes <data folder>/keys/signing-key.pem (0600) and signing-key.pub
    skillsight keys show     # the public key and its fingerprint, to tell other labs

A signature entry in a manifest's ``signatures`` list:

    {"scheme": "ed25519", "public_key": "<base64 of the 32-byte raw key>",
     "fingerprint": "SHA256:<hex of sha256(raw key)>", "signature": "<base64 of 64 bytes>"}

It signs the bytes ``skillsight-manifest:`` + the manifest's ``sha256`` (hex): the one hash that covers
the card and every file, so a signature vouches for all of them. The signer's key is carried in the
entry; whether to trust it is the receiving lab's decision, made by comparing the fingerprint with the
one the sending lab published (the import shows both key and fingerprint).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skillsight.base.atomic import write_bytes_atomic

# `cryptography` is imported inside the functions that need it: only signing and checking pay for it.

SCHEME = "ed25519"
SIGNED_PREFIX = b"skillsight-manifest:"
PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub"
PRIVATE_KEY_MODE = 0o600
ENTRY_FIELDS = ("scheme", "public_key", "fingerprint", "signature")


class SigningError(ValueError):
    """A key cannot be made or read, or a signature does not verify (the message says which)."""


def default_key_dir(data_dir: Path) -> Path:
    """<data folder>/keys: the signing key and the pseudonym salt (this module imports nothing of the
    project's but the standard library and `cryptography`, so packages can sit low in the layers)."""
    return Path(data_dir) / "keys"


def fingerprint(public_key: bytes) -> str:
    """``SHA256:`` + the hex sha256 of the raw 32-byte public key (what labs compare by phone or mail)."""
    return "SHA256:" + hashlib.sha256(public_key).hexdigest()


def _raw_public(private_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def new_key(key_dir: Path, *, force: bool = False) -> Path:
    """Write a fresh private key (owner-only from its first byte) and its public key; never replaces an
    existing key unless `force`. Returns the private key's path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key_dir = Path(key_dir)
    private_path = key_dir / PRIVATE_KEY_FILE
    if private_path.exists() and not force:
        raise SigningError(f"{private_path}: a signing key exists already (keep it: other labs trust it)")
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_bytes_atomic(private_path, pem, mode=PRIVATE_KEY_MODE)  # owner-only from its first byte
    public = base64.b64encode(_raw_public(key)).decode("ascii")
    (key_dir / PUBLIC_KEY_FILE).write_text(f"{SCHEME} {public}\n", encoding="utf-8")
    return private_path


def load_private_key(path: Path) -> Any:
    """The Ed25519 private key in `path`; refused when others can read the file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    if not path.is_file():
        raise SigningError(f"{path}: no signing key (make one with `skillsight keys new`)")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise SigningError(f"{path}: other users can read this private key; `chmod 600 {path}` first")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path}: not a readable private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key")
    return key


def public_key_of(private_key: Any) -> tuple[str, str]:
    """(base64 public key, fingerprint) of a private key."""
    raw = _raw_public(private_key)
    return base64.b64encode(raw).decode("ascii"), fingerprint(raw)


def sign(manifest_sha256: str, private_key: Any) -> dict[str, str]:
    """A signature entry over a manifest hash."""
    public, print_ = public_key_of(private_key)
    signature = private_key.sign(SIGNED_PREFIX + manifest_sha256.encode("ascii"))
    return {
        "scheme": SCHEME,
        "public_key": public,
        "fingerprint": print_,
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def _decode(entry: Mapping[str, Any], key: str, size: int, where: str) -> bytes:
    try:
        raw = base64.b64decode(str(entry.get(key, "")), validate=True)
    except ValueError:
        raise SigningError(f"{where}: the signature's {key} is not base64") from None
    if len(raw) != size:
        raise SigningError(f"{where}: the signature's {key} has {len(raw)} bytes, not {size}")
    if base64.b64encode(raw).decode("ascii") != entry.get(key):  # one spelling per key: no spare bits
        raise SigningError(f"{where}: the signature's {key} is not in canonical base64")
    return raw


def verify_signature(entry: Mapping[str, Any], manifest_sha256: str, where: str) -> str:
    """Check one signature entry over `manifest_sha256`; returns the signer's fingerprint. `where` names
    the file that carries it in errors."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(entry, Mapping) or entry.get("scheme") != SCHEME:
        scheme = entry.get("scheme") if isinstance(entry, Mapping) else type(entry).__name__
        raise SigningError(f"{where}: unknown signature scheme {scheme!r} (this version checks ed25519)")
    if set(entry) != set(ENTRY_FIELDS):
        raise SigningError(
            f"{where}: a signature has fields {sorted(entry)}, expected {sorted(ENTRY_FIELDS)}"
        )
    public = _decode(entry, "public_key", 32, where)
    signature = _decode(entry, "signature", 64, where)
    print_ = fingerprint(public)
    if entry.get("fingerprint") != print_:
        raise SigningError(f"{where}: the signature's fingerprint does not belong to its public key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            signature, SIGNED_PREFIX + manifest_sha256.encode("ascii")
        )
    except InvalidSignature:
        raise SigningError(
            f"{where}: the signature by {print_} does not match the manifest (wrong key or altered content)"
        ) from None
    return print_
