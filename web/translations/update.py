"""Refresh the English catalog after UI texts change: extract, then merge into messages.po.

    .venv/bin/python web/translations/update.py

New messages arrive with an empty translation (shown in Vietnamese until translated);
`--check` exits 1 when any message lacks an English translation (used by a test).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    cli = CommandLineInterface()
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        config = str(ROOT / "web" / "babel.cfg")
        cli.run(  # type: ignore[no-untyped-call]
            ["pybabel", "-q", "extract", "-F", config, "-k", "_l", "--no-location", "-o", str(pot), str(ROOT)]
        )
        if "--check" not in sys.argv:
            cli.run(  # type: ignore[no-untyped-call]
                [
                    "pybabel",
                    "-q",
                    "update",
                    "-i",
                    str(pot),
                    "-d",
                    str(HERE),
                    "--no-fuzzy-matching",
                    "-w",
                    "110",
                ]
            )
        with (HERE / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        with pot.open("rb") as fh:
            template = read_po(fh)
    missing = [m.id for m in template if m.id and (m.id not in catalog or not catalog[m.id].string)]
    for message in missing:
        print(f"untranslated: {message}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
