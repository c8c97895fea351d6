"""What the ``report`` and ``github`` subcommands do, once their arguments are parsed."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from pytest_devops.errors import ConfigError, DevopsError
from pytest_devops.github.console import Console
from pytest_devops.github.context import GithubEnv, split_repo
from pytest_devops.github.settings import GithubSettings
from pytest_devops.redact import Redactor
from pytest_devops.report.model import GateReport, ReportError, parse_report, read_json
from pytest_devops.runinfo import stale_reason

REDACT_ENV = "PYTEST_DEVOPS_REDACT_ENV"
EXIT_ERROR = 2
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Loaded:
    report: GateReport
    settings: GithubSettings
    redactor: Redactor


def redact_names(args: argparse.Namespace, environ: dict[str, str] | os._Environ[str]) -> list[str]:
    names = list(getattr(args, "redact_env", None) or [])
    names += re.split(r"[,\s]+", environ.get(REDACT_ENV, "").strip())
    for name in names:
        if name and not _NAME.match(name):
            raise ConfigError(
                f"invalid environment variable name {name!r}",
                key=f"--redact-env / {REDACT_ENV}",
                hint="names are letters, digits and _, not starting with a digit",
            )
    return [n for n in names if n]


def load(args: argparse.Namespace, token_env: str | None = None) -> Loaded:
    """Read the report and build the redactor: CLI names, env var names, the report's own
    ``redact_env`` list, and the GitHub token."""
    environ = os.environ
    redactor = Redactor()
    redactor.add_env(redact_names(args, environ))
    doc = read_json(args.report)
    stale = stale_reason(doc)
    if stale:
        raise ReportError(args.report, stale)
    github = doc.get("github") if isinstance(doc, dict) else None
    if isinstance(github, dict):
        recorded = github.get("redact_env")
        if isinstance(recorded, list):
            redactor.add_env(n for n in recorded if isinstance(n, str) and _NAME.match(n))
    if token_env and _NAME.match(token_env):
        redactor.add_env([token_env])
    report = parse_report(redactor.redact_obj(doc), args.report)
    raw = report.section("github")
    settings = GithubSettings.from_section(
        {k: v for k, v in raw.items() if k != "redact_env"}, where=f"{args.report}: github"
    )
    return Loaded(report, settings, redactor)


def render(args: argparse.Namespace) -> int:
    """``pytest-devops report``."""
    loaded = load(args)
    report, redactor = loaded.report, loaded.redactor
    console = Console(redactor, GithubEnv.from_environ())
    if args.format == "json":
        console.text(redactor.dumps(report.to_dict(), indent=2).splitlines())
    elif args.format == "markdown":
        from pytest_devops.github.markdown import render_markdown

        text = render_markdown(report, title=loaded.settings.title)
        console.text(text.rstrip("\n").split("\n"))
    else:
        from pytest_devops.github.text import render_text

        console.text(render_text(report))
    return 0 if args.exit_zero else report.exit_code


def publish(args: argparse.Namespace) -> int:
    """``pytest-devops github ACTION``."""
    action = args.action
    loaded = load(args, getattr(args, "token_env", None))
    report, settings = loaded.report, loaded.settings
    gh = GithubEnv.from_environ()
    console = Console(loaded.redactor, gh)
    outputs: dict[str, str] = {}
    failed = False

    def part(name: str, run: Callable[[], None]) -> None:
        # One part that cannot be written does not keep the others from being published.
        nonlocal failed
        try:
            run()
        except DevopsError as exc:
            failed = True
            console.error(f"{name}: {exc}")

    if action in ("summary", "publish"):
        part("summary", lambda: _summary(args, loaded, gh, console))
    if action == "annotate" or (action == "publish" and gh.actions and settings.annotations):
        part("annotations", lambda: _annotate(args, loaded, gh, console))
    if action in ("comment", "publish"):
        part("comment", lambda: _comment(args, loaded, gh, console, outputs))
    if action in ("outputs", "publish"):
        part("outputs", lambda: _outputs(args, loaded, gh, console, outputs))
    if failed:
        return EXIT_ERROR
    return report.exit_code if args.fail_on_outcome else 0


def _summary(args: argparse.Namespace, loaded: Loaded, gh: GithubEnv, console: Console) -> None:
    from pytest_devops.github.markdown import SUMMARY_LIMIT, render_markdown
    from pytest_devops.github.outputs import append_text

    dest = args.summary_file or gh.step_summary
    if args.action == "publish" and (not dest or not loaded.settings.summary):
        why = "github.summary is false" if dest else "GITHUB_STEP_SUMMARY is not set"
        console.note(f"job summary skipped: {why}")
        return
    dest = dest or "-"
    if dest == "-":
        text = render_markdown(loaded.report, title=loaded.settings.title)
        console.text(text.rstrip("\n").split("\n"))
        return
    try:
        used = os.path.getsize(dest)
    except OSError:
        used = 0
    limit = max(SUMMARY_LIMIT - used, 2048)  # the head and the note, at least
    text = loaded.redactor.redact(
        render_markdown(loaded.report, title=loaded.settings.title, limit=limit)
    )
    append_text(dest, text, "the job summary")
    console.note(f"job summary written to {dest}")


def _annotate(args: argparse.Namespace, loaded: Loaded, gh: GithubEnv, console: Console) -> None:
    from pytest_devops.github.annotations import collect_annotations, commands

    limit = args.max_annotations
    if limit is None:
        limit = loaded.settings.max_annotations
    if limit < 0:
        raise ConfigError("expected an integer >= 0", key="--max-annotations")
    from pytest_devops.github.text import render_text

    found = collect_annotations(loaded.report)
    console.commands(commands(found, limit, args.root or gh.workspace))
    console.text(render_text(loaded.report))


def _comment(
    args: argparse.Namespace,
    loaded: Loaded,
    gh: GithubEnv,
    console: Console,
    outputs: dict[str, str],
) -> None:
    from pytest_devops.github.comment import DEFAULT_API_URL, CommentTarget, marker, upsert_comment
    from pytest_devops.github.markdown import COMMENT_LIMIT, render_markdown

    report, settings = loaded.report, loaded.settings
    mode = args.comment_mode or settings.comment
    if mode == "never":
        console.note("pull-request comment skipped: comment mode is never")
        return
    number = args.pr if args.pr is not None else gh.pull_request()
    repo = args.repo or gh.repository
    if number is None or not repo:
        missing = (
            "no pull request (--pr N, or a pull_request event)"
            if number is None
            else ("no repository (--repo OWNER/NAME or GITHUB_REPOSITORY)")
        )
        if args.action == "comment":
            console.warn(f"pull-request comment not posted: {missing}")
        else:
            console.note(f"pull-request comment skipped: {missing}")
        return
    parts = split_repo(repo)
    if parts is None:
        raise ConfigError(f"expected OWNER/NAME, got {repo!r}", key="--repo / GITHUB_REPOSITORY")
    token = os.environ.get(args.token_env) or None
    api_url = args.api_url or gh.api_url or DEFAULT_API_URL
    target = CommentTarget(parts[0], parts[1], number, api_url, token)
    mark = marker(args.marker or report.key)
    footer = f"<sub>[Workflow run]({gh.run_url})</sub>" if gh.run_url else None
    body = render_markdown(
        report, title=settings.title, limit=COMMENT_LIMIT - 200, marker=mark, footer=footer,
        link=gh.run_url,
    )
    result = upsert_comment(
        target, mark, body, mode=mode, outcome=report.outcome, redactor=loaded.redactor
    )
    if result.warning:
        console.warn(result.warning, title="pytest-devops comment")
        return
    if result.action == "skipped":
        console.note(f"pull-request comment skipped: {result.reason}")
        return
    console.note(f"pull-request comment {result.action}: {result.url or result.comment_id}")
    if result.url and _safe_url(result.url):
        outputs["comment-url"] = result.url


def _safe_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s<>\"']+$", url))


def _outputs(
    args: argparse.Namespace,
    loaded: Loaded,
    gh: GithubEnv,
    console: Console,
    extra: dict[str, str],
) -> None:
    from pytest_devops.github.outputs import append_text, format_outputs, report_outputs

    dest = args.output_file or gh.output
    if not dest:
        if args.action == "outputs":
            raise DevopsError("no step outputs file: GITHUB_OUTPUT is not set; pass --output-file")
        console.note("step outputs skipped: GITHUB_OUTPUT is not set")
        return
    values = {**report_outputs(loaded.report, args.report), **extra}
    append_text(dest, format_outputs(values, loaded.redactor), "step outputs")
    console.note(f"step outputs written to {dest}: {', '.join(values)}")
