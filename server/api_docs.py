"""/docs: the API's Swagger UI, served from the files the install step put in place.

FastAPI's own /docs loads Swagger UI from a CDN into this origin: a center offline has no
docs, and a script from elsewhere would run with the staff's session. The files come from the
`fastapi-offline` package (Swagger UI's dist, no code of it is used); the page is FastAPI's
`get_swagger_ui_html` pointed at them, with a Content-Security-Policy that allows its one
inline script by hash. ReDoc is not served: it injects <style> elements, which that policy
refuses, and Swagger UI reads the same schema.
"""

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from server.security_headers import PAGE_POLICY

DOCS = "/docs"
ASSETS = "/docs/static"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def _assets() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Serve /docs and its files (the app is made with docs_url=None, redoc_url=None)."""
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} - API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        # No badge from the public validator: nothing leaves the center's network.
        swagger_ui_parameters={"validatorUrl": None},
    )
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page.body)
    )
    policy = PAGE_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")
    body = page.body

    async def docs() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"})

    app.add_api_route(DOCS, docs, include_in_schema=False)
    app.mount(ASSETS, StaticFiles(directory=_assets()), name="docs-static")
