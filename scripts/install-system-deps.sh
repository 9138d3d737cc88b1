#!/bin/sh
# System packages the full test suite uses, from Debian: Chromium (the browser tests drive it
# through Playwright) and Voikko with its Finnish dictionary (the more exact Finnish analyser).
# Installs only what is missing; needs root or sudo. Without apt it says so and goes on:
# the browser tests then skip, and Finnish analysis falls back to simplemma.
set -eu
missing=""
for pkg in chromium libvoikko1 voikko-fi; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: no apt-get here; install$missing yourself for the full suite" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-system-deps: installing$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
