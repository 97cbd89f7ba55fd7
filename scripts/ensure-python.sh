#!/usr/bin/env bash
# Creates the project's virtualenv with a Python 3.11 that can make one.
#
#   bash scripts/ensure-python.sh PYTHON VENV
#
# Uses PYTHON when it is 3.11, else python3.11 from PATH. Debian ships `venv` without pip
# (ensurepip) in a separate package: when that is what is missing and this user is root
# with apt-get, it installs python3.X-venv; otherwise it says what to install. Exits non-zero
# when no virtualenv could be made.
set -u

PYTHON_WANTED="${1:-python3}"
VENV="${2:-.venv}"
NEEDED="3.11"

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

PY=""
for candidate in "$PYTHON_WANTED" "python$NEEDED"; do
    if command -v "$candidate" >/dev/null 2>&1 && [ "$(version_of "$candidate")" = "$NEEDED" ]; then
        PY="$candidate"
        break
    fi
done
if [ -z "$PY" ]; then
    found="$(version_of "$PYTHON_WANTED" || true)"
    echo "ensure-python: Znatoki needs Python $NEEDED; '$PYTHON_WANTED' is ${found:-missing}." >&2
    echo "Install Python $NEEDED (e.g. 'apt-get install python$NEEDED python$NEEDED-venv'," \
        "'pyenv install $NEEDED') and run again, or pass PYTHON=/path/to/python$NEEDED." >&2
    exit 1
fi

if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    package="python$NEEDED-venv"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        echo "ensure-python: $PY cannot create virtualenvs; installing $package (apt-get)..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package" >/dev/null
    fi
    if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        echo "ensure-python: $PY cannot create virtualenvs: install $package" \
            "(sudo apt-get install $package) and run again." >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "ensure-python: creating $VENV with $PY ($(version_of "$PY"))"
fi
exec "$PY" -m venv "$VENV"
