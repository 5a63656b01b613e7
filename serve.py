"""The server that runs the app: ``streamlit run serve.py`` (what ``scripts/run-app.sh`` does).

``app.py`` stays the Streamlit entry (pages and navigation); this ``st.App`` adds the app's own
routes (local map tiles, readiness), compression of the static assets and a warm-up at start.
See ``ui/serving.py``.
"""

import streamlit as st

from ui.serving import MIDDLEWARE, ROUTES, lifespan, send_small_writes_at_once

send_small_writes_at_once()  # Streamlit's socket leaves Nagle on: +40 ms per keep-alive response

app = st.App("app.py", routes=ROUTES, middleware=MIDDLEWARE, lifespan=lifespan)
