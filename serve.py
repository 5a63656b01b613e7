"""The server that runs the app: ``streamlit run serve.py`` (what ``scripts/run-app.sh`` does).

``app.py`` stays the Streamlit entry (pages and navigation); this ``st.App`` adds the app's own
routes (local map tiles, readiness), compression of the static assets and a warm-up at start.
See ``ui/serving.py``.
"""

import os

import streamlit as st
from starlette.middleware import Middleware

from ui.serving import ROUTES, CompressAssets, lifespan

# uvicorn believes X-Forwarded-For from 127.0.0.1 by default: behind no proxy, anyone on this
# machine could claim any address. Client addresses are read behind the GAOHE_TRUSTED_PROXIES
# proxies the deployer names, and no others (geo.feedback.limits.client_address).
os.environ.setdefault("FORWARDED_ALLOW_IPS", "")

app = st.App("app.py", routes=ROUTES, middleware=[Middleware(CompressAssets)], lifespan=lifespan)
