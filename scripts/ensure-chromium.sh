#!/usr/bin/env bash
# Makes Debian's headless-capable Chromium (/usr/bin/chromium) available for the browser
# end-to-end test (tests/e2e/test_browser.py). Installs the `chromium` package when it is
# missing and this user can (root with apt-get); otherwise says why it could not.
# Always exits 0: without Chromium the browser test is skipped and names the reason.
set -u

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and there is no apt-get here;" \
        "install Chromium yourself (or set CHROMIUM_PATH) to run the browser test" >&2
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root:" \
        "run 'sudo apt-get update && sudo apt-get install -y chromium'" >&2
    exit 0
fi

echo "ensure-chromium: installing Debian's chromium package (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    if [ -x "$CHROMIUM" ]; then
        echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
    else
        echo "ensure-chromium: the chromium package installed but $CHROMIUM is not there" >&2
    fi
else
    echo "ensure-chromium: 'apt-get install chromium' failed; the browser test will be skipped" >&2
fi
exit 0
