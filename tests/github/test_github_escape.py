"""Escaping of untrusted text: markdown, workflow commands."""

from __future__ import annotations

import re

import pytest

from pytest_devops.github.escape import (
    ZWSP,
    code_block,
    code_span,
    escape_data,
    escape_property,
    html_text,
    inert,
    md_cell,
    md_text,
    stop_commands,
)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ("</details>", "&lt;/details&gt;"),
        ("@octocat", f"@{ZWSP}octocat"),
        ("acme/infra#12", f"acme/infra\\#{ZWSP}12"),
        ("${{ secrets.X }}", "\\$\\{\\{ secrets.X \\}\\}"),
        ("a | b", "a \\| b"),
        (
            "**bold** _it_ `code` [l](u) ![i](u)",
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\[l\\]\\(u\\) \\!\\[i\\]\\(u\\)",
        ),
        ("line1\nline2\r\nline3", "line1 line2 line3"),
        ("- item", "\\- item"),
        ("\x1b[31mred\x1b[0m", "\ufffd\\[31mred\ufffd\\[0m"),
        ("x &amp; y", "x &amp;amp; y"),
        ("~~gone~~", "\\~\\~gone\\~\\~"),
    ],
)
def test_md_text(raw: str, escaped: str) -> None:
    assert md_text(raw) == escaped


def test_md_cell_truncates_and_never_empty() -> None:
    assert md_cell("x" * 10, limit=5) == "xxxx…"
    assert md_cell("") == " "
    assert md_cell("  a\nb  ") == "a b"


def test_code_span_falls_back_for_what_code_cannot_hold() -> None:
    assert code_span("aws_s3_bucket.logs") == "`aws_s3_bucket.logs`"
    assert code_span("a|b") == "a\\|b"
    assert code_span("a`b") == "a\\`b"
    assert code_span('module.x["@octocat"]') == '`module.x["@octocat"]`'


def test_code_block_fence_is_longer_than_any_backtick_run() -> None:
    block = code_block("a ```` b\n```\n</details>")
    assert block == "`````text\na ```` b\n```\n</details>\n`````"
    assert code_block("plain") == "```text\nplain\n```"


def test_workflow_command_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_data("::set-output name=x::y%0A") == "::set-output name=x::y%250A"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_stop_commands_token_is_random_and_encloses_everything() -> None:
    lines = stop_commands(["::set-output name=x::y", "::add-path::/evil"])
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
    assert token is not None
    assert lines[1:] == ["::set-output name=x::y", "::add-path::/evil", f"::{token[1]}::"]
    assert stop_commands(["x"])[0] != lines[0]


def test_html_text_for_our_own_html() -> None:
    assert html_text("t.py::test[<b>@me #1</b>]") == (
        f"t.py::test[&lt;b&gt;@{ZWSP}me #{ZWSP}1&lt;/b&gt;]"
    )
    assert html_text("a\n\tb") == "a b"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("x ##[set-output name=a;]b", f"x ##{ZWSP}[set-output name=a;]b"),
        ("  ::add-mask::x", f"{ZWSP}  ::add-mask::x"),
        ("one\n::set-output name=a::b", "one ::set-output name=a::b"),
        ("plain: text", "plain: text"),
    ],
)
def test_inert_lines_are_not_commands(raw: str, safe: str) -> None:
    assert inert(raw) == safe
