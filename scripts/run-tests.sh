#!/usr/bin/env bash
# Install everything the tests need (Python packages; Debian's chromium and CJK/emoji fonts
# for the browser tests; Debian's postgresql for the report store's PostgreSQL tests; Node.js
# to run the light page's script against the server's answers) and run
# the whole suite. Extra arguments go to pytest. A private PostgreSQL cluster is started in a
# temporary folder (Unix socket only) unless GAOHE_TEST_DATABASE_URL already names a server.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(chromium fonts-noto-cjk fonts-noto-color-emoji postgresql nodejs)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

source scripts/venv.sh
ensure_venv requirements-dev.txt
if [ -z "${GAOHE_TEST_DATABASE_URL:-}" ]; then
  eval "$(bash scripts/test-postgres.sh start)"
  trap 'bash scripts/test-postgres.sh stop "${GAOHE_TEST_PG_DIR:-}"' EXIT
fi
.venv/bin/python -m pytest "$@"
