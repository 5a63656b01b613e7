"""The server that runs the app: ``streamlit run serve.py`` (what ``scripts/run-app.sh`` does).

``app.py`` stays the Streamlit entry (pages and navigation); this ``st.App`` adds the app's own
routes (local map tiles, readiness), compression of the static assets and a warm-up at start.
See ``ui/serving.py``.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.serving import ROUTES, CompressAssets, lifespan, send_small_writes_at_once

send_small_writes_at_once()  # Streamlit's socket leaves Nagle on: +40 ms per keep-alive response

app = st.App("app.py", routes=ROUTES, middleware=[Middleware(CompressAssets)], lifespan=lifespan)
