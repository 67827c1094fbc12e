"""`python app.py`: the trainee's SkillSight page on http://127.0.0.1:7860 (no configuration needed).

Private by default: binds to 127.0.0.1, Gradio analytics off, no share link unless --share, no web
fonts. For a lab server: --host 0.0.0.0 --auth-file users.txt (one user:password a line; or
$SKILLSIGHT_AUTH_FILE, or $SKILLSIGHT_AUTH="alice:secret,bob:secret"; each user sees only their own
history), --user-quota-mb to bound what each keeps, and --db postgresql://... to share a database.
`--auth user:password` still works but shows the password in the process list.

Gradio's uploads and served copies live in a private folder of this run ($GRADIO_TEMP_DIR unless set),
removed at exit, also on SIGTERM and SIGINT: raw uploads never outlive the app.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

# Must be set before gradio is imported anywhere.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
AUTH_ENV = "SKILLSIGHT_AUTH"
AUTH_FILE_ENV = "SKILLSIGHT_AUTH_FILE"

DEFAULT_PORT = 7860


def parse_auth(values: Optional[list[str]], where: str = "--auth") -> Optional[list[tuple[str, str]]]:
    """['user:password', ...] -> [(user, password), ...]; None when none was given. Messages never show
    a password."""
    if not values:
        return None
    pairs = []
    for number, value in enumerate(values, start=1):
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise SystemExit(f"{where}, entry {number} ({user or 'no user'}): expected user:password")
        pairs.append((user, password))
    return pairs


def read_auth_file(path: str) -> list[tuple[str, str]]:
    """user:password lines (blank lines and # comments skipped); the file should be owner-only."""
    file = Path(path).expanduser()
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"{file}: cannot read the sign-in file ({exc})") from None
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    pairs = parse_auth(entries, where=str(file))
    if not pairs:
        raise SystemExit(f"{file}: no user:password lines")
    if os.name == "posix" and file.stat().st_mode & 0o077:
        print(f"warning: {file} is readable by others; chmod 600 it", file=sys.stderr)
    return pairs


def resolve_auth(args: argparse.Namespace) -> Optional[list[tuple[str, str]]]:
    """Sign-in users from --auth-file, $SKILLSIGHT_AUTH_FILE, $SKILLSIGHT_AUTH or --auth (all add up)."""
    pairs: list[tuple[str, str]] = []
    for path in [args.auth_file, os.environ.get(AUTH_FILE_ENV)]:
        if path:
            pairs += read_auth_file(path)
    from_env = os.environ.get(AUTH_ENV, "").strip()
    if from_env:
        pairs += parse_auth([v.strip() for v in from_env.split(",") if v.strip()], where=AUTH_ENV) or []
    if args.auth:
        print(
            "warning: --auth shows passwords in the process list; use --auth-file or $SKILLSIGHT_AUTH",
            file=sys.stderr,
        )
        pairs += parse_auth(args.auth) or []
    return pairs or None


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    env_port = os.environ.get("GRADIO_SERVER_PORT")
    parser = argparse.ArgumentParser(description="SkillSight: practice feedback in your browser, offline.")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(env_port) if env_port else DEFAULT_PORT,
        help=f"port (default $GRADIO_SERVER_PORT, else {DEFAULT_PORT})",
    )
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in the user data folder)")
    parser.add_argument(
        "--auth",
        action="append",
        metavar="USER:PASSWORD",
        help="require sign-in (repeatable; visible in the process list: prefer --auth-file)",
    )
    parser.add_argument(
        "--auth-file",
        metavar="FILE",
        help=f"require sign-in: one user:password per line (or ${AUTH_FILE_ENV}; ${AUTH_ENV}=u:p,u2:p2)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=None,
        help="largest upload (default 500, $SKILLSIGHT_MAX_UPLOAD_MB)",
    )
    parser.add_argument(
        "--user-quota-mb",
        type=float,
        default=None,
        help="what each user may keep stored (default: no limit, $SKILLSIGHT_USER_QUOTA_MB)",
    )
    parser.add_argument(
        "--share", action="store_true", help="create a public Gradio share link (off by default)"
    )
    return parser.parse_args(argv)


def private_gradio_dir() -> Optional[str]:
    """Gradio's uploads and cached copies go to a private folder of this run (mkdtemp: 0700), removed
    at exit; None when $GRADIO_TEMP_DIR was set by the user. Called before gradio is imported."""
    if os.environ.get("GRADIO_TEMP_DIR"):
        return None
    folder = tempfile.mkdtemp(prefix="skillsight-gradio-")
    os.environ["GRADIO_TEMP_DIR"] = folder
    return folder


def _stop_on_sigterm() -> None:
    """SIGTERM ends the app like Ctrl-C (SIGINT): Gradio stops serving, then the `finally` below removes
    the work folder, the served copies and the raw uploads."""

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def _start_problem(exc: OSError, args: argparse.Namespace) -> str:
    if "port" in str(exc).lower():  # Gradio: "Cannot find empty port in range: 7860-7860. ..."
        return (
            f"port {args.port} on {args.host} is in use: is SkillSight already running there "
            f"(open http://{args.host}:{args.port})? Otherwise start it with --port and another number."
        )
    return str(exc)


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    auth = resolve_auth(args)
    own_gradio_dir = private_gradio_dir()
    import threading

    # lazy: Gradio loads only when the app starts (`python app.py --help` and the checks above stay quick),
    # after the environment above has turned its telemetry off
    from skillsight.webapp.layout import build_app, launch_options
    from skillsight.webapp.service import AppService, warm_up

    service: Any = None
    _stop_on_sigterm()
    try:
        threading.Thread(target=warm_up, name="skillsight-warm-up", daemon=True).start()
        service = AppService(
            db_url=args.db, max_upload_mb=args.max_upload_mb, user_quota_mb=args.user_quota_mb
        )
        demo = build_app(service)
        print(f"SkillSight: data in {service.data_dir}; open http://{args.host}:{args.port}", file=sys.stderr)
        options = {**launch_options(), "max_file_size": f"{service.max_upload_mb:g}mb"}
        demo.queue(default_concurrency_limit=2).launch(
            server_name=args.host,
            server_port=args.port,
            auth=auth,
            share=args.share,
            inbrowser=False,
            # Gradio's own lines tell a developer to "set `share=True` in `launch()`"; ours above says
            # where the page is. With --share, Gradio prints the public link, so it speaks then.
            quiet=not args.share,
            **options,
        )
    except KeyboardInterrupt:
        pass
    except ValueError as exc:  # a bad setting ($SKILLSIGHT_MAX_UPLOAD_MB, ...): one line, no traceback
        raise SystemExit(f"error: {exc}") from None
    except OSError as exc:  # the port is taken (started twice?), a folder that cannot be written
        raise SystemExit(f"error: {_start_problem(exc, args)}") from None
    finally:
        if service is not None:
            service.close()
        if own_gradio_dir:
            shutil.rmtree(own_gradio_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
