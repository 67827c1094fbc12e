"""`python app.py`: the trainee's SkillSight page on http://127.0.0.1:7860 (no configuration needed).

Private by default: binds to 127.0.0.1, Gradio analytics off, no share link unless --share, no web
fonts. For a lab server: --host 0.0.0.0 --auth alice:secret --auth bob:secret (each user sees only
their own history) and --db postgresql://... to share a database.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

# Must be set before gradio is imported anywhere.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DEFAULT_PORT = 7860


def parse_auth(values: Optional[list[str]]) -> Optional[list[tuple[str, str]]]:
    """['user:password', ...] -> [(user, password), ...]; None when no --auth was given."""
    if not values:
        return None
    pairs = []
    for value in values:
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise SystemExit(f"--auth {value!r}: expected user:password")
        pairs.append((user, password))
    return pairs


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
        "--auth", action="append", metavar="USER:PASSWORD", help="require sign-in (repeatable)"
    )
    parser.add_argument(
        "--share", action="store_true", help="create a public Gradio share link (off by default)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    auth = parse_auth(args.auth)
    import threading

    from skillsight.webapp.layout import build_app, launch_options
    from skillsight.webapp.service import AppService, warm_up

    threading.Thread(target=warm_up, name="skillsight-warm-up", daemon=True).start()
    service = AppService(db_url=args.db)
    demo = build_app(service)
    print(f"SkillSight: data in {service.data_dir}; open http://{args.host}:{args.port}", file=sys.stderr)
    try:
        demo.queue(default_concurrency_limit=2).launch(
            server_name=args.host,
            server_port=args.port,
            auth=auth,
            share=args.share,
            inbrowser=False,
            **launch_options(),
        )
    finally:
        service.close()


if __name__ == "__main__":
    main()
