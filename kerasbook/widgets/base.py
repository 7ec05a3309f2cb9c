"""What every kerasbook widget shares: a front-end of its own, a fallback, and knowing who sees it.

Each widget is an `anywidget.AnyWidget`: its front-end is one ES module in `widgets/static/`
(`_esm`), shipped inside the package and sent to the browser with the widget's state. Nothing is
built at install time and nothing is fetched at run time, and because the module travels in the
saved widget state, a saved notebook shows the widget again when it is opened (once it is trusted).

Where no widget can run (an untrusted notebook, nbviewer, GitHub, a static book) Jupyter shows the
next output it can: so every widget also puts `text/html` with its real content (the table, the
graph as a picture, the current activations: `fallback_html()`) and a short `text/plain` in its
display, never a bare `<Widget ...>`.

The front-end tells the kernel when a view opens and closes (`{"kind": "view", "open": ...}`), so a
widget knows whether anyone can see it (`views`): one displayed nowhere need not redraw.
"""

import base64
import html
import pathlib

import anywidget
import traitlets

STATIC = pathlib.Path(__file__).parent / "static"


def static_text(*names):
    """The text of files in widgets/static/, joined (e.g. the shared theme, then a widget's own CSS)."""
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in names)


class Widget(anywidget.AnyWidget):
    """Base class: `_esm`/`_css` name the front-end; subclasses implement `fallback_html()`."""

    views = traitlets.Int(0, help="How many front-end views show this widget right now.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._on_front_end_message)

    def _on_front_end_message(self, widget, content, buffers):
        if isinstance(content, dict) and content.get("kind") == "view":
            self.views = max(0, self.views + (1 if content.get("open") else -1))
        else:
            self.on_front_end_message(content, buffers)

    def on_front_end_message(self, content, buffers):
        """A message the front-end sent (a click, a button); subclasses override."""

    def fallback_html(self):
        """HTML that shows the widget's content where the widget itself cannot run."""
        return f"<pre>{html.escape(self.fallback_text())}</pre>"

    def fallback_text(self):
        """Plain text of the content (what nbval compares and a terminal shows)."""
        return repr(self)

    def _repr_mimebundle_(self, **kwargs):
        watch = getattr(self, "_watch", None)  # the ModelWatch of a widget that shows a model
        if watch is not None:
            watch.sync()  # a widget nobody saw may be out of date: it is about to be seen
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.fallback_text()
        data["text/html"] = self.fallback_html()
        return data, metadata


def png_img(png, alt, width=None):
    """An `<img>` holding PNG bytes as a data URL (kept by Jupyter's sanitizer in untrusted views)."""
    size = f' width="{int(width)}"' if width else ""
    encoded = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}"{size}>'
