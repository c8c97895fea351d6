"""The summary as GitHub renders it (cmark-gfm, GitHub's own Markdown engine)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_devops.github.markdown import render_markdown
from pytest_devops.report.model import load_report, parse_report

cmarkgfm = pytest.importorskip("cmarkgfm", reason="cmarkgfm renders Markdown as GitHub does")

#: Every tag the summary may produce; anything else came from report text.
ALLOWED = {
    "h3",
    "h4",
    "p",
    "strong",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "details",
    "summary",
    "ul",
    "li",
    "blockquote",
    "sub",
    "a",
    "br",
}


def html_of(markdown: str) -> str:
    from cmarkgfm.cmark import Options

    # Unsafe: raw HTML passes through, as GitHub's renderer lets it reach its sanitizer.
    return str(
        cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    )


def check(html: str) -> None:
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", html))
    assert tags <= ALLOWED, tags - ALLOWED
    assert html.count("<details>") == html.count("</details>")
    text = re.sub(r"(?s)<(pre|code)\b.*?</\1>", "", html)  # mentions do not work in code
    assert re.search(r"@(?!\u200b)[A-Za-z0-9]", text) is None
    assert re.search(r"#(?!\u200b)[0-9]", text) is None


def test_real_report_renders_only_our_markup(report_path: Path) -> None:
    html = html_of(render_markdown(load_report(report_path), title="Staging <b>gates</b> @me"))
    check(html)
    assert "<h3>⛔ Staging &lt;b&gt;gates&lt;/b&gt; @\u200bme: <code>staging</code>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<details>") == 5


def test_hostile_everything(tmp_path: Path) -> None:
    evil = "</summary></details><img src=x onerror=alert(1)> @admin #9 `x` | ``` <!-- -->"
    doc = {
        "schema": "pytest-devops/report@1",
        "env": evil,
        "stage": evil,
        "outcome": "fail",
        "exitstatus": 1,
        "duration": 0.0,
        "gates": [
            {
                "nodeid": evil,
                "kind": evil,
                "outcome": "fail",
                "duration": 0.0,
                "message": evil + "\n" + evil,
                "findings": [
                    {
                        "rule": evil,
                        "message": evil,
                        "address": evil,
                        "file": evil,
                        "line": 1,
                        "severity": evil,
                        "guideline": evil,
                    }
                ],
            }
        ],
        "plan": {
            "counts": {"create": 1},
            "digest": evil,
            "resources": [{"address": evil, "type": evil, "actions": [evil]}],
        },
        "cost": {
            "currency": evil,
            "monthly_before": evil,
            "monthly_after": 1,
            "monthly_delta": evil,
            "resources": [{"address": evil}],
            "unpriced": [evil, {"address": evil, "reason": evil}],
        },
        "security": {"findings": [{"rule": evil, "message": evil}]},
    }
    report = parse_report(json.loads(json.dumps(doc)))
    html = html_of(render_markdown(report, title=evil))
    check(html)
    assert "<img" not in html
    assert "<!--" not in html
