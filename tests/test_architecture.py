"""The import rules of docs/architecture.md, checked on the code.

The table between `<!-- import-rules:start -->` and `<!-- import-rules:end -->` says
which apps each app may import. The check reads every Python import of every
project package (`ast`: absolute and relative, at module level or inside a function)
and every `{% load %}` of every template, and names each file:line that breaks a
rule:

- an app imports itself and the apps in its row; a row of "every app" (`config`,
  `bench`) imports any project package but `tests`;
- no app imports `config`, `bench` or `tests`;
- a template under templates/<app>/ loads only the tag libraries of its own app, of
  the apps it may import, of `core`, and of Django and third-party packages; a
  library belongs to the app with `<app>/templatetags/<library>.py`; templates
  outside an app's folder belong to `config`;
- every project package (a top-level folder with an `__init__.py`, `tests` aside)
  has a row. A row for an app that does not exist yet is allowed.

The check reads files only, so the tests at the bottom run it on small fake projects.
"""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES_FILE = Path("docs/architecture.md")
START, END = "<!-- import-rules:start -->", "<!-- import-rules:end -->"

NEVER_IMPORTED = ("config", "bench", "tests")
NOT_AN_APP = "tests"
SHARED_APP = "core"  # every template may load its tags
SITE_WIDE = "config"  # owns the templates outside an app's folder

EVERY_APP = None  # the "may import" of a row saying "every app"


# --- the rules -------------------------------------------------------------------


def parse_rules(markdown: str) -> dict[str, frozenset[str] | None]:
    """The import-rules table: app -> the apps it may import (EVERY_APP: any)."""
    if START not in markdown or END not in markdown:
        raise ValueError(f"no table between {START} and {END}")
    block = markdown.split(START, 1)[1].split(END, 1)[0]
    rules: dict[str, frozenset[str] | None] = {}
    for line in block.strip().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2:
            raise ValueError(f"not a row of two cells: {line!r}")
        app, may_import = cells
        if app == "app" or set(app) <= set("-: "):
            continue  # the header and the line under it
        app = _backticked(app, line)
        if app in rules:
            raise ValueError(f"two rows for `{app}`")
        if may_import == "every app":
            rules[app] = EVERY_APP
        elif may_import == "nothing of the project":
            rules[app] = frozenset()
        else:
            rules[app] = frozenset(
                _backticked(name, line) for name in may_import.split(",")
            )
    if not rules:
        raise ValueError(f"no rows between {START} and {END}")
    return rules


def _backticked(cell: str, line: str) -> str:
    match = re.fullmatch(r"`(\w+)`", cell.strip())
    if not match:
        raise ValueError(f"expected an app name in backticks, got {cell!r} in {line!r}")
    return match.group(1)


def _names(apps) -> str:
    return ", ".join(f"`{app}`" for app in sorted(apps))


def _may_import_text(app: str, rules) -> str:
    if not rules[app]:
        return f"`{app}` may import nothing of the project"
    return f"`{app}` may import only {_names(rules[app])}"


def _may_load_text(app: str, rules) -> str:
    libraries_of = {app, SHARED_APP} | rules[app]
    return (
        f"a template of `{app}` may load only the tag libraries of "
        f"{_names(libraries_of)} (and Django's and third-party ones)"
    )


# --- reading the code -------------------------------------------------------------


def project_packages(root: Path) -> set[str]:
    """The top-level packages of the project: folders with an `__init__.py`."""
    return {
        path.parent.name
        for path in root.glob("*/__init__.py")
        if not path.parent.name.startswith(".")
    }


def python_files(root: Path, package: str) -> Iterator[Path]:
    for path in sorted((root / package).rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for each import in the file, relative ones resolved
    against the file's package; `from x import y` gives `x`."""
    # shop/payments/card.py and shop/payments/__init__.py are both in shop.payments
    package = path.relative_to(root).parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module
                continue
            # Python refuses a relative import that climbs out of its top-level
            # package, but it still says which app its author reached for.
            up = node.level - 1
            if up > len(package):
                continue
            base = package[: len(package) - up]
            if node.module:
                yield node.lineno, ".".join((*base, node.module))
            elif base:
                yield node.lineno, ".".join(base)
            else:  # `from .. import x` in a top-level package names x itself
                for alias in node.names:
                    yield node.lineno, alias.name


# Like Django's own tags, a {% load %} stays on one line; {% comment %} and
# {% verbatim %} blocks may span several.
LOAD_TAG = re.compile(r"{%\s*load\s+(.+?)\s*%}")
COMMENTS = re.compile(
    r"{#[^\n]*?#}"
    r"|{%\s*comment\b.*?{%\s*endcomment\s*%}"
    r"|{%\s*verbatim\b.*?{%\s*endverbatim\s*%}",
    re.DOTALL,
)


def loaded_libraries(text: str) -> Iterator[tuple[int, str]]:
    """(line, library) for each library a template's `{% load %}` tags name; both
    `{% load a b %}` and `{% load name from lib %}`. Comments and verbatim blocks
    are blanked out first (keeping the line breaks, so the lines stay true)."""
    text = COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for match in LOAD_TAG.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        words = match.group(1).split()
        if len(words) >= 3 and words[-2] == "from":
            yield line, words[-1]
        else:
            for library in words:
                yield line, library


def tag_library_owners(root: Path, packages: set[str]) -> dict[str, str]:
    """library -> the project app that defines it in <app>/templatetags/<lib>.py."""
    owners = {}
    for package in sorted(packages):
        for path in sorted((root / package / "templatetags").glob("*.py")):
            if path.stem != "__init__":
                owners.setdefault(path.stem, package)
    return owners


# --- the check --------------------------------------------------------------------


@dataclass
class Project:
    root: Path
    rules: dict[str, frozenset[str] | None]
    packages: set[str]

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def may_use(self, app: str, other: str) -> bool:
        allowed = self.rules[app]
        if other == app:
            return True
        if other == NOT_AN_APP:
            return False
        if allowed is EVERY_APP:
            return True
        return other in allowed and other not in NEVER_IMPORTED


def check(root: Path) -> list[str]:
    """Every break of the import rules in the project at `root`, one line each."""
    rules = parse_rules((root / RULES_FILE).read_text(encoding="utf-8"))
    project = Project(root, rules, project_packages(root))
    return [
        *missing_rows(project),
        *import_problems(project),
        *template_problems(project),
    ]


def missing_rows(project: Project) -> Iterator[str]:
    for package in sorted(project.packages - {NOT_AN_APP} - set(project.rules)):
        yield (
            f"{package}/: the app `{package}` has no row in the import-rules table "
            f"of {RULES_FILE}"
        )


def import_problems(project: Project) -> Iterator[str]:
    known = project.packages | set(project.rules)
    for app in sorted(project.packages & set(project.rules)):
        for path in python_files(project.root, app):
            for line, module in imported_modules(path, project.root):
                target = module.split(".")[0]
                if target not in known or project.may_use(app, target):
                    continue
                if target in NEVER_IMPORTED:
                    rule = "no app imports `config`, `bench` or `tests`"
                else:
                    rule = _may_import_text(app, project.rules)
                yield f"{project.rel(path)}:{line}: imports {module}; rule: {rule}"


def template_problems(project: Project) -> Iterator[str]:
    templates = project.root / "templates"
    owners = tag_library_owners(project.root, project.packages)
    apps = (project.packages | set(project.rules)) - {NOT_AN_APP}
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        folder = path.relative_to(templates).parts[0]
        app = folder if folder in apps and path.parent != templates else SITE_WIDE
        if app not in project.rules:
            continue  # reported by missing_rows
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not a template (an image, a font)
        for line, library in loaded_libraries(text):
            owner = owners.get(library)
            if owner is None or owner == SHARED_APP or project.may_use(app, owner):
                continue
            yield (
                f"{project.rel(path)}:{line}: loads `{library}`, the tag library of "
                f"`{owner}`; rule: {_may_load_text(app, project.rules)}"
            )


# --- the project's own code -----------------------------------------------------


def test_the_code_follows_the_import_rules_in_docs_architecture():
    problems = check(ROOT)
    assert not problems, "\n".join(
        [f"{len(problems)} breaks of the import rules in {RULES_FILE}:", *problems]
    )


def test_the_rules_table_in_docs_architecture_reads():
    rules = parse_rules((ROOT / RULES_FILE).read_text(encoding="utf-8"))
    assert rules["config"] is EVERY_APP
    assert rules["core"] == frozenset()
    assert rules["directory"] == {"core", "users", "notifications"}


# --- the check itself, on fake projects --------------------------------------------

FAKE_RULES = f"""# Architecture

Some prose, then the table.

{START}
| app | may import |
|---|---|
| `core` | nothing of the project |
| `users` | `core` |
| `shop` | `core`, `users` |
| `billing` | `core`, `users` |
| `config` | every app |
{END}

More prose.
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    """A tidy fake project: every import and load follows FAKE_RULES."""
    return write(
        tmp_path,
        {
            "docs/architecture.md": FAKE_RULES,
            "manage.py": "import config.settings\n",
            "users/__init__.py": "",
            "users/models.py": "from django.db import models\n",
            "users/templatetags/__init__.py": "",
            "users/templatetags/people.py": "",
            "shop/__init__.py": "",
            "shop/models.py": (
                "import os\n"
                "from django.db import models\n"
                "from users.models import User\n"
                "from . import signals\n"
                "from .signals import sent\n"
            ),
            "shop/signals.py": "sent = object()\n",
            "shop/templatetags/__init__.py": "",
            "shop/templatetags/shop.py": "",
            "billing/__init__.py": "",
            "billing/templatetags/__init__.py": "",
            "billing/templatetags/billing.py": "",
            "config/__init__.py": "",
            "config/urls.py": "import billing.views\nimport shop.views\n",
            "tests/__init__.py": "",
            "tests/test_shop.py": "import billing\nimport config\n",
            "templates/base.html": "{% load static billing shop %}",
            "templates/account/login.html": "{% load allauth billing %}",
            "templates/shop/cart.html": (
                "{% extends 'base.html' %}\n{% load static shop people %}\n"
            ),
        },
    )


def test_a_tidy_project_passes(project):
    assert check(project) == []


def test_an_app_in_the_code_without_a_row_fails_and_a_row_without_an_app_does_not(
    project,
):
    # `core` has a row but no code yet; `billing` has code but loses its row.
    without_billing = FAKE_RULES.replace("| `billing` | `core`, `users` |\n", "")
    write(project, {"docs/architecture.md": without_billing})
    assert check(project) == [
        "billing/: the app `billing` has no row in the import-rules table of "
        "docs/architecture.md"
    ]


def test_a_forbidden_import_is_named_with_its_file_line_and_rule(project):
    write(project, {"shop/views.py": "import json\n\nfrom billing.models import X\n"})
    assert check(project) == [
        "shop/views.py:3: imports billing.models; "
        "rule: `shop` may import only `core`, `users`"
    ]


def test_an_import_of_config_or_tests_is_forbidden_even_to_every_app_rows(project):
    write(
        project,
        {
            "users/admin.py": "import config.admin_actions as actions\n",
            "config/celery.py": "from tests import factories\n",
        },
    )
    assert check(project) == [
        "config/celery.py:1: imports tests; "
        "rule: no app imports `config`, `bench` or `tests`",
        "users/admin.py:1: imports config.admin_actions; "
        "rule: no app imports `config`, `bench` or `tests`",
    ]


def test_a_relative_import_is_resolved_to_the_app_it_reaches(project):
    write(
        project,
        {
            "shop/payments/__init__.py": "from .. import models\n",
            "shop/payments/card.py": (
                "from . import gateway\nfrom ...billing import invoices\n"
            ),
            "shop/payments/gateway.py": "from ..models import X\n",
            "users/forms.py": "from .. import shop\n",
        },
    )
    assert check(project) == [
        "shop/payments/card.py:2: imports billing; "
        "rule: `shop` may import only `core`, `users`",
        "users/forms.py:1: imports shop; rule: `users` may import only `core`",
    ]


def test_an_import_inside_a_function_counts(project):
    write(
        project,
        {
            "users/services.py": (
                "def close_account(user):\n"
                "    if user.owes:\n"
                "        from billing import invoices\n"
                "\n"
                "        invoices.settle(user)\n"
            )
        },
    )
    assert check(project) == [
        "users/services.py:3: imports billing; rule: `users` may import only `core`"
    ]


def test_a_forbidden_load_in_an_app_template_is_named(project):
    write(
        project,
        {
            "templates/users/profile.html": (
                "{% extends 'base.html' %}\n"
                "{# {% load shop %} is only a comment #}\n"
                "{% load static humanize people %}\n"
                "{% load total from billing %}\n"
                "<p>{%  load   shop  %}</p>\n"
            ),
            "templates/users/email/welcome.txt": "{% load billing %}Hello",
        },
    )
    rule = (
        "rule: a template of `users` may load only the tag libraries of "
        "`core`, `users` (and Django's and third-party ones)"
    )
    assert check(project) == [
        f"templates/users/email/welcome.txt:1: loads `billing`, the tag library of "
        f"`billing`; {rule}",
        f"templates/users/profile.html:4: loads `billing`, the tag library of "
        f"`billing`; {rule}",
        f"templates/users/profile.html:5: loads `shop`, the tag library of `shop`; "
        f"{rule}",
    ]


def test_a_template_may_load_the_core_library_and_those_of_apps_it_may_import(
    project,
):
    write(
        project,
        {
            "core/__init__.py": "",
            "core/templatetags/__init__.py": "",
            "core/templatetags/core.py": "",
            "templates/shop/product.html": "{% load core people shop i18n %}",
            "templates/users/card.html": "{% load core %}",
        },
    )
    assert check(project) == []


def test_a_missing_or_malformed_table_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no table"):
        parse_rules("# Architecture\n\nNo table here.\n")
    with pytest.raises(ValueError, match="app name in backticks"):
        parse_rules(FAKE_RULES.replace("`users` | `core`", "`users` | core"))
    with pytest.raises(ValueError, match="two rows"):
        parse_rules(FAKE_RULES.replace("| `config`", "| `shop` | `core` |\n| `config`"))
