#!/usr/bin/env bash
# Static checks of the deployment files (`make static`, part of `make test`). They need no
# Docker engine: every tool is a PyPI wheel from setup.cfg's test extras (`make install`).
#
#   Dockerfile                  hadolint
#   docker-compose.yml          the compose-spec JSON schema (check-jsonschema), and
#                               `docker compose config` where the compose CLI plugin exists
#   .github/workflows/*.yml     the GitHub workflow JSON schema (check-jsonschema)
#   scripts/check-static.sh     shellcheck
#   tests/static                pytest: the rules across files (compose services and
#                               scale-safety, documented variables, the workflows' run: scripts
#                               through shellcheck, CD's trigger and permissions...)
#
# Runs every check, then exits 1 if any failed. BIN overrides where the tools are (.venv/bin).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BIN=${BIN:-.venv/bin}
failed=()

check() {  # name command...
  local name=$1
  shift
  echo "==> $name"
  if "$@"; then
    echo "    ok: $name"
  else
    echo "    FAILED: $name" >&2
    failed+=("$name")
  fi
}

for tool in hadolint check-jsonschema shellcheck pytest; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "$BIN/$tool is missing: run 'make install'" >&2
    exit 1
  fi
done

check "hadolint Dockerfile" "$BIN/hadolint" Dockerfile
check "compose-spec schema: docker-compose.yml" \
  "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml
check "GitHub workflow schema: .github/workflows" \
  "$BIN/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
check "shellcheck scripts/check-static.sh" "$BIN/shellcheck" scripts/check-static.sh

# Interpolation, anchors and references checked by compose itself, with every profile; not
# on machines without the plugin (CI's runners have it). It reads no .env for this.
if docker compose version >/dev/null 2>&1; then
  check "docker compose config" \
    docker compose --env-file /dev/null --profile emulator config --quiet
else
  echo "==> docker compose config: skipped (no docker compose plugin here)"
fi

check "pytest tests/static" "$BIN/pytest" -q -p no:cacheprovider tests/static

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'static checks failed: %s\n' "${failed[*]}" >&2
  exit 1
fi
echo "static checks passed"
