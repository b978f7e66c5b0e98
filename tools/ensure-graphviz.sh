#!/usr/bin/env bash
# Graphviz's `dot` lays out the workflow diagram (web/admin/diagram.py): install Debian's package
# when it is missing, as the browser tests do for chromium. Without root or apt-get, say what to
# do and go on: the app runs, and the diagram page says the same thing.
set -euo pipefail
command -v dot >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's graphviz (the workflow diagram's layout engine)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }
  exit 0
fi
echo "warning: Graphviz's dot is missing; install it (apt-get install graphviz) to draw workflow diagrams" >&2
