"""A Sphinx extension that keeps the built book free of remote resources.

Jupyter Book 1 always loads ``sphinx-thebe``, which writes the address of a
JavaScript bundle on a public CDN and a Binder configuration into every
page. The book runs no live kernels, so this extension removes both; pages
then name no other host for anything the browser would fetch.
"""

from docutils import nodes

_THEBE_MARKERS = ("THEBE_JS_URL", "x-thebe-config", "kernelName =")


def _is_thebe_asset(asset) -> bool:
    filename = getattr(asset, "filename", None) or str(asset)
    body = getattr(asset, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or any(marker in body for marker in _THEBE_MARKERS)


def _drop_thebe_assets(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe_asset(a)]


def _drop_thebe_nodes(app, doctree, docname):
    for raw in list(doctree.findall(nodes.raw)):
        if any(marker in raw.astext() for marker in _THEBE_MARKERS):
            raw.parent.remove(raw)


def setup(app):
    app.connect("doctree-resolved", _drop_thebe_nodes, priority=900)
    app.connect("html-page-context", _drop_thebe_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
