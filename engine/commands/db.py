"""`ocopflow init-db`, and the set-up every database command shares.

This is the layer that reads the environment: OCOPFLOW_DATABASE_URL (unset:
SQLite at instance/ocopflow.db), OCOPFLOW_INSTANCE_DIR (default ./instance), and for the
worker OCOPFLOW_PUBLIC_BASE_URL (required when OCOPFLOW_ENV=production).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_DEFINITIONS = ("workflows", "forms")


def instance_dir() -> Path:
    return Path(os.environ.get("OCOPFLOW_INSTANCE_DIR") or "instance")


def database_url() -> str:
    from engine.storage.db import default_url

    return os.environ.get("OCOPFLOW_DATABASE_URL") or default_url(instance_dir())


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $OCOPFLOW_DATABASE_URL or instance/ocopflow.db)"
    )


def open_database(args: argparse.Namespace, *, upgrade: bool = True) -> Any:
    """A Database on the configured URL, schema upgraded to the latest revision."""
    from engine.storage import db
    from engine.storage.repository import Database

    engine = db.make_engine(getattr(args, "database_url", None) or database_url())
    if upgrade:
        db.upgrade(engine)
    return Database(engine)


def load_definitions(paths: Sequence[str]) -> Any:
    """The catalog, or None after printing every problem (one line each)."""
    from engine.definitions.loader import default_paths, load_catalog

    chosen = [Path(p) for p in paths] if tuple(paths) != DEFAULT_DEFINITIONS else default_paths()
    result = load_catalog(chosen)
    if not result.ok:
        for problem in result.problems:
            if problem.severity == "error":
                print(problem.format(), file=sys.stderr)
        print("the definitions do not validate: run `ocopflow validate`", file=sys.stderr)
        return None
    return result.catalog


def open_service(args: argparse.Namespace) -> Any:
    """The service over the database and the definitions the arguments name (the worker's)."""
    from engine.service import Service

    catalog = load_definitions(getattr(args, "definitions", None) or DEFAULT_DEFINITIONS)
    if catalog is None:
        return None
    from engine.service.mail import MailSettingsError, public_base_url

    try:
        base_url = public_base_url(
            os.environ.get("OCOPFLOW_PUBLIC_BASE_URL"),
            production=os.environ.get("OCOPFLOW_ENV", "").lower() == "production",
        )
    except MailSettingsError as exc:
        print(exc, file=sys.stderr)
        return None
    database = open_database(args)
    return Service(
        database.transaction, catalog, evidence_dir=instance_dir() / "evidence", public_base_url=base_url
    )


def init_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from engine.storage.db import current_revision

    try:
        database = open_database(args)
        revision = current_revision(database.engine)
        database.engine.dispose()
    except SQLAlchemyError as exc:
        print(
            f"cannot open the database: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}",
            file=sys.stderr,
        )
        return 1
    print(
        f"database ready at revision {revision}: {database.engine.url.render_as_string(hide_password=True)}"
    )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init-db", help="create or upgrade the database schema (alembic upgrade head)"
    )
    add_database_options(parser)
    parser.set_defaults(func=init_db)
