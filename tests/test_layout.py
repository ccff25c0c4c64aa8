"""The folder tree tells the architecture: imports flow one way, modules stay small.

The layers, lowest first. A module may import from its own package and from any package
listed before its own; never from one listed after (an upward import), so no cycle can form.

- core: settings, database, tables, languages, jobs, observability, the HTTP guard; the
  vocabulary (channels, question kinds) that every other package speaks.
- staff: users, roles, sessions, sign-in, the audit log.
- surveys: templates, the builder, snippets, QR codes, how questions become form controls.
- insight: reads, daily aggregates, metrics, summaries, comments, events, alerts, exports.
- comments: comments as things to act on (search, themes and their classifier, urgent ones,
  follow-up); storing an answer indexes its comment, so it sits below answers.
- answers: every way an answer comes in; storing one also updates insight's aggregates.
- reach: people offered a survey, interactions served, invitations after an interaction; a
  one-click answer in an invitation is stored through answers' intake, so it sits above answers.
- integrations: API tokens, webhooks, the OpenAPI document (which describes answers' shapes).
- routes, cli: the HTTP handlers and the command line; nothing imports them but app.
- app: the one place that wires routes, middleware and the lifespan.

dashboards (figures) may import core and insight only, and metrics stays free of SQL and
Plotly, so it is tested with literal lists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "core",
    "staff",
    "surveys",
    "insight",
    "comments",
    "answers",
    "reach",
    "integrations",
    "routes",
    "cli",
]
# routes and cli are peers: neither imports the other.
PEERS = {("routes", "cli"), ("cli", "routes")}
TOP = {"app", "asgi", "__main__", "__init__"}
MAX_LINES = 320  # the aim is 300; a module past it is split along its seams
MAX_TOP_MODULES = 12

pytestmark = pytest.mark.skipif(
    not (ROOT / "feedback" / "core").is_dir(), reason="needs the source tree"
)


def _feedback_imports(path: Path) -> list[str]:
    """The feedback.* modules this file imports, as dotted names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "feedback":
                found += [f"feedback.{alias.name}" for alias in node.names]
            elif node.module.startswith("feedback."):
                # `from feedback.answers import intake` imports the module feedback.answers.intake
                found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("feedback.")]
    return found


def _package_of(parts: tuple[str, ...]) -> str:
    """The layer a feedback module belongs to: its first folder, or its own name at the top."""
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _python_files(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


def test_imports_flow_one_way() -> None:
    upward = []
    for path in _python_files("feedback"):
        source = _package_of(path.relative_to(ROOT / "feedback").parts)
        for module in _feedback_imports(path):
            target = module.split(".")[1]
            if target == source or source in TOP:
                continue
            if target in TOP:
                upward.append(f"{path.relative_to(ROOT)} imports {module}")
            elif (source, target) in PEERS or (
                source in LAYERS and LAYERS.index(target) > LAYERS.index(source)
            ):
                upward.append(f"{path.relative_to(ROOT)} imports {module} ({source} -> {target})")
    assert upward == [], "imports must flow down the layers in this file's docstring"


def test_dashboards_read_only_core_and_insight() -> None:
    wrong = []
    for path in _python_files("dashboards"):
        for module in _feedback_imports(path):
            if module.split(".")[1] not in ("core", "insight"):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
            elif module.startswith(("feedback.insight.queries", "feedback.core.db")):
                wrong.append(f"{path.relative_to(ROOT)} queries the database ({module})")
    assert wrong == []


def test_metrics_is_free_of_sql_and_plotly() -> None:
    pure = ("metrics", "intervals", "distributions", "significance", "control", "headline", "watch")
    for path in [ROOT / "feedback" / "insight" / f"{name}.py" for name in pure]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        banned = [m for m in names if m.split(".")[0] in ("sqlmodel", "sqlalchemy", "plotly")]
        assert banned == [], f"{path.name} imports {banned}"


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for path in _python_files("feedback"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = set(_feedback_imports(path))
    known = set(graph)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in known or nxt == node:
                continue
            if seen.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in seen:
                visit(nxt, [*trail, node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])


def test_modules_stay_small_and_the_top_stays_short() -> None:
    long = [
        f"{p.relative_to(ROOT)}: {n}"
        for folder in ("feedback", "dashboards")
        for p in _python_files(folder)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == [], f"split these along their seams (at most {MAX_LINES} lines)"
    top = sorted(p.name for p in (ROOT / "feedback").glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_every_package_and_template_folder_is_shipped() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for base in ("feedback", "dashboards", "seed")
        for p in (ROOT / base).rglob("__init__.py")
    }
    folders |= {
        "feedback.templates"
        + "".join(f".{part}" for part in p.relative_to(ROOT / "templates").parts)
        for p in (ROOT / "templates").rglob("*")
        if p.is_dir() and any(p.glob("*.html"))
    }
    assert sorted(folders - listed) == [], "add these to [tool.setuptools] packages"
    data = config["tool"]["setuptools"]["package-data"]
    templates = {f for f in folders if f.startswith("feedback.templates")}
    assert sorted(templates - set(data)) == [], "add their *.html to package-data"
