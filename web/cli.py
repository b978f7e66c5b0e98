"""`ocopflow-web`: run the web app for a person trying it out, or under a real server.

    ocopflow-web run [--host 127.0.0.1] [--port 5000] [--no-demo]

`run` creates or upgrades the database (`ocopflow init-db`), fills an empty one
with the demo data (`ocopflow demo`), prints the demo sign-ins and serves the
app with Werkzeug's server, with `ocopflow worker` (due timers) as a child process
that stops with it (`--no-worker`: without). For production use gunicorn with
web.wsgi:app and run `ocopflow worker` as its own service.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from engine.cli import dispatch
from engine.commands.demo import load_people


def _engine(args: list[str]) -> int:
    from engine.cli import main as engine_main

    return engine_main(args)


def run(args: argparse.Namespace) -> int:
    from web import ConfigError, StartupError, create_app

    os.environ.setdefault("OCOPFLOW_ENV", "demo")
    try:
        app = create_app()
    except (ConfigError, StartupError) as exc:
        print(f"ocopflow-web: {exc}", file=sys.stderr)
        return 1
    url = str(app.config["DATABASE_URL"])
    # The engine's commands read the instance folder from the environment: use the app's.
    os.environ["OCOPFLOW_INSTANCE_DIR"] = str(app.config["INSTANCE_DIR"])
    status = _engine(["init-db", "--database-url", url])
    if status != 0:
        return status
    if not args.no_demo and not _has_users(app):
        status = _engine(["demo", "--database-url", url, *app.config["DEFINITIONS_PATHS"]])
        if status != 0:
            return status
    _print_logins(app)
    from werkzeug.serving import run_simple

    print(f"\nocopflow: http://{args.host}:{args.port}/  (Ctrl+C to stop)\n")
    worker = None if args.no_worker else _start_worker(url, list(app.config["DEFINITIONS_PATHS"]))
    # A SIGTERM (a service manager, `kill`) ends the server through `finally`, so the worker stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(args.host, args.port, app, use_reloader=False, threaded=True)
    finally:
        if worker is not None:
            _stop_worker(worker)
    return 0


def _start_worker(url: str, definitions: list[str]) -> subprocess.Popen[bytes]:
    """`ocopflow worker` (the due timers) beside the web server, as a child that stops with it."""
    command = [sys.executable, "-m", "engine.cli", "worker", "--database-url", url]
    if definitions:
        command += ["--definitions", *definitions]
    return subprocess.Popen(command)


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _has_users(app: object) -> bool:
    database = app.extensions["ocopflow"].database  # type: ignore[attr-defined]
    with database.transaction(write=False) as repo:
        return bool(repo.users())


def _print_logins(app: object) -> None:
    database = app.extensions["ocopflow"].database  # type: ignore[attr-defined]
    with database.transaction(write=False) as repo:
        users = [u for u in repo.users() if u["active"]]
    if not users:
        return
    password = load_people().password
    print(f"\nDemo sign-ins (password: {password}) / Tài khoản dùng thử (mật khẩu: {password}):\n")
    width = max(len(u["username"]) for u in users)
    for u in users:
        roles = ", ".join(u["roles"])
        area = f" · {u['area']}" if u["area"] else ""
        print(f"  {u['username']:<{width}}  {roles}{area}  {u['display_name'] or ''}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ocopflow-web", description="Serve the ocopflow web app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("run", help="set up the database and demo data, then serve on 127.0.0.1:5000")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.add_argument(
        "--no-worker", action="store_true", help="do not start `ocopflow worker` (the due timers) beside it"
    )
    p.set_defaults(func=run)
    return dispatch(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
