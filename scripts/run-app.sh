#!/usr/bin/env bash
# Set up (first time) and start the Gaohe station map on the embedded data.
# Needs Python 3.11+ with venv; serves on port 8501 (override: PORT=9000) on every address of
# this machine (override: ADDRESS=127.0.0.1).
#
# HTTPS, so that phones on the LAN may give the rider page their GPS position:
#   bash scripts/make-cert.sh 192.168.1.20          # once: certificate for the LAN address
#   GAOHE_TLS_CERT=certs/server.pem GAOHE_TLS_KEY=certs/server.key bash scripts/run-app.sh
# Basemaps, local tiles, a Tianditu key and a road network: see the README ("Deploying").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements.txt

tls=()
if [ -n "${GAOHE_TLS_CERT:-}" ] || [ -n "${GAOHE_TLS_KEY:-}" ]; then
  for file in "${GAOHE_TLS_CERT:-}" "${GAOHE_TLS_KEY:-}"; do
    if [ ! -r "$file" ]; then
      echo "GAOHE_TLS_CERT and GAOHE_TLS_KEY must both name readable files (got '${file}')." >&2
      exit 2
    fi
  done
  tls=(--server.sslCertFile "$GAOHE_TLS_CERT" --server.sslKeyFile "$GAOHE_TLS_KEY")
fi
address=()
[ -z "${ADDRESS:-}" ] || address=(--server.address "$ADDRESS")

# serve.py wraps app.py: local tiles, compressed assets, warm-up before the first visitor
exec .venv/bin/python -m streamlit run serve.py --server.port "${PORT:-8501}" "${address[@]}" "${tls[@]}"
