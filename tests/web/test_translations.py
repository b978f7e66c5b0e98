"""Every interface text has an English translation, and the English catalog is what the app serves."""

from __future__ import annotations

import subprocess
import sys

from web.config import PROJECT_ROOT


def test_every_message_of_the_interface_has_an_english_translation() -> None:
    script = PROJECT_ROOT / "web" / "translations" / "update.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
