#!/usr/bin/env bash
# DejaVu Sans (every Vietnamese letter) sets the printable certificate (web/pdf.py): install
# Debian's fonts-dejavu-core when it is missing, as tools/ensure-graphviz.sh does for dot. Without
# root or apt-get, say what to do and go on: the app runs, and the PDF download names the font.
set -euo pipefail
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's fonts-dejavu-core (the printable certificate's font)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; }
  exit 0
fi
echo "warning: DejaVu Sans is missing; install it (apt-get install fonts-dejavu-core) to print certificates" >&2
