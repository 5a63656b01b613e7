#!/usr/bin/env bash
# Set up (first time) and start the Gaohe station map on the embedded data.
# Needs Python 3.11+ with venv; serves on http://localhost:8501 (override: PORT=9000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements.txt
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}"
