"""A corpus of hostile text: markup, script, template and layout attacks, for every place where
text from a file or a user is shown. Markers make execution detectable: script sets
``window.__pwn``; Jinja evaluation prints JINJARAN or LOOPLOOPLOOP or makes a directory."""

from __future__ import annotations

import tempfile
from pathlib import Path

#: A directory that a server-side template evaluation of the corpus would create.
SERVER_MARKER_DIR = Path(tempfile.gettempdir()) / "gaohe-hostile-text-ran"

CORPUS: list[str] = [
    "<script>window.__pwn=1</script>",
    "</script><script>window.__pwn=2</script>",
    "<img src=x onerror=window.__pwn=3>",
    "${window.__pwn=4}",
    "`;window.__pwn=5;`",
    "`+(window.__pwn=6)+`",
    "<svg/onload=window.__pwn=7>",
    "{{ 'JINJA' ~ 'RAN' }}",
    "{{ cycler.__init__.__globals__.os.makedirs('" + str(SERVER_MARKER_DIR) + "') }}",
    "{% for i in range(3) %}LOOP{% endfor %}",
    "{# hidden #}visible",
    "{{ unclosed",
    "{% if %}",
    "\"'<>&;",
    "back\\slash\\",
    "line\u2028separator\u2029paragraph",
    "\u202eevil\u202c bidi \u2066isolate\u2069",
    "javascript:window.__pwn=8",
    "&lt;already&gt; escaped &#36;",
    "名称\n换行\t制表",
    "![tracker](http://example.invalid/t.png) [link](javascript:window.__pwn=9) :red[colour] $x^2$",
    "x" * 10_000,
]

#: What a page or map must never show if the corpus is neutralised: evaluated templates.
EVALUATED_MARKERS = ("JINJARAN", "LOOPLOOPLOOP")
