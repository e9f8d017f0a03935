"""Every citation of a vendor fact points into the repository: ``docs/vendors/<api>.md#<anchor>``.

A reader on GitHub (or a contributor in a fresh clone) must be able to follow
every citation. So no tracked text file may cite the vendor material that lives
outside the repository (the reference folder, its ``api-docs`` texts, its
findings file, the emulator's old citation tags that named them), name a path of
one machine, or link out of the repository with ``../``; and every citation of
``docs/vendors/<file>.md#<anchor>`` must name a file and a section that exist.
Each vendor reference must also say where its facts come from: every section
links a public source or marks the gap as an "Open question".

The scan covers what ``git ls-files`` lists, untracked files not ignored
included, so a new file is checked before it is committed.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from tests.support.meltano import PROJECT_ROOT

THIS_FILE = PurePosixPath("tests/unit/test_vendor_citations.py")
VENDORS_DIR = PurePosixPath("docs/vendors")
#: One reference per API the code talks to.
VENDOR_REFERENCES = (
    "apivideo.md",
    "brightcove-audience.md",
    "brightcove-interactivity.md",
    "brightcove-oauth.md",
    "ibm-video.md",
)


@dataclass(frozen=True)
class Rule:
    """A pattern no tracked text file may contain, and what it means."""

    name: str
    pattern: re.Pattern[str]
    why: str


RULES = (
    Rule(
        "outside-reference",
        re.compile(
            r"shared/reference|(?<![/\w-])api-docs/|\bFINDINGS\b|\bFND\b"
            r"|\b(?:brightcove-audience|brightcove-interactivity-reporting|ibm-video-analytics"
            r"|apivideo-analytics-plays|apivideo-raw-statistics)\.txt\b"
            r"|\b[\w-]+-openapi[\w.-]*\.yaml\b|\bibm-analytics-view(?:er)?s-sample-response"
        ),
        "cites vendor material outside the repository; cite docs/vendors/<api>.md#<section>",
    ),
    Rule(
        "legacy-tag",
        re.compile(
            r"\[(?:OV|OAS(?:-\d{4}-\d{2})?|FND(?: §\d)?|DOC|IBM|PLAYS|RAW|SAMPLE|GUIDE|AUD)"
            r"(?:\]|[ /]\[| \"|\s*§)"
        ),
        "uses a citation tag whose legend named files outside the repository; "
        "cite docs/vendors/<api>.md#<section>",
    ),
    Rule(
        "machine-path",
        re.compile(r"(?<![\w.~-])(?:/work/|/root/|/home/|/Users/|/tmp/)|\b[A-Za-z]:\\Users\\"),
        "names a path of one machine",
    ),
)


@dataclass(frozen=True)
class LineException:
    """A line a rule does not apply to: its file, the rule, a pattern the line matches, why."""

    path: PurePosixPath
    rule: str
    line: re.Pattern[str]
    why: str


EXCEPTIONS = (
    LineException(
        PurePosixPath("tests/e2e/test_packaging.py"),
        "machine-path",
        re.compile(r'^\s+"/(?:work|tmp|home|root|Users)/",'),
        "MACHINE_PATH_MARKERS: the prefixes the packaging test looks for in built wheels",
    ),
    LineException(
        PurePosixPath("tests/support/provision_postgres.sh"),
        "machine-path",
        re.compile(r"mktemp -d /tmp/"),
        "a scratch directory the script creates at run time, not a source",
    ),
)


@dataclass(frozen=True, order=True)
class Violation:
    """One offending line."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


#: ``docs/vendors/<file>.md`` with an optional ``#anchor``, anywhere in any file.
VENDOR_CITATION = re.compile(r"docs/vendors/([A-Za-z0-9_.-]+?\.md)(?:#([A-Za-z0-9_-]+))?")
#: A Markdown inline link's target, and a reference-style link definition's.
MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def tracked_files(root: Path) -> list[PurePosixPath]:
    """What git lists under ``root``: tracked files, and untracked ones it does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({PurePosixPath(name) for name in listed.split("\0") if name})


def read_text(path: Path) -> str | None:
    """The file's text, or None for a binary (NUL bytes, not UTF-8) or a missing file."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of ``markdown`` (duplicates get ``-1``, ``-2``...)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(2).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def excepted(path: PurePosixPath, rule: str, line: str) -> bool:
    """Whether one of :data:`EXCEPTIONS` covers ``line`` of ``path`` for ``rule``."""
    return any(
        e.path == path and e.rule == rule and e.line.search(line) is not None for e in EXCEPTIONS
    )


class Scanner:
    """Checks files of one tree; anchors of ``docs/vendors`` files are read once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._anchors: dict[PurePosixPath, set[str] | None] = {}

    def anchors_of(self, relative: PurePosixPath) -> set[str] | None:
        """The anchors of a Markdown file of the tree; None when it does not exist."""
        if relative not in self._anchors:
            text = read_text(self.root / relative)
            self._anchors[relative] = None if text is None else github_anchors(text)
        return self._anchors[relative]

    def scan(self, relative: PurePosixPath, text: str) -> list[Violation]:
        """Every violation in ``text``, the content of ``relative``."""
        found: list[Violation] = []
        is_markdown = relative.suffix.lower() in {".md", ".markdown"}
        for number, line in enumerate(text.splitlines(), start=1):
            for rule in RULES:
                if relative == THIS_FILE or excepted(relative, rule.name, line):
                    continue
                match = rule.pattern.search(line)
                if match is not None:
                    found.append(Violation(str(relative), number, f"{match.group(0)!r} {rule.why}"))
            for match in VENDOR_CITATION.finditer(line):
                problem = self.citation_problem(VENDORS_DIR / match.group(1), match.group(2))
                if problem and relative != THIS_FILE:
                    found.append(Violation(str(relative), number, f"{match.group(0)!r}: {problem}"))
            if is_markdown:
                targets = [m.group(1) for m in MARKDOWN_LINK.finditer(line)]
                definition = LINK_DEFINITION.match(line)
                if definition is not None:
                    targets.append(definition.group(1))
                for target in targets:
                    problem = self.link_problem(relative, target)
                    if problem:
                        found.append(
                            Violation(str(relative), number, f"link {target!r}: {problem}")
                        )
        return found

    def citation_problem(self, target: PurePosixPath, anchor: str | None) -> str:
        """Why a citation of ``target`` (and ``anchor``) cannot be followed; "" when it can."""
        anchors = self.anchors_of(target)
        if anchors is None:
            return f"{target} does not exist"
        if anchor is not None and anchor not in anchors:
            return f"{target} has no section #{anchor}"
        return ""

    def link_problem(self, relative: PurePosixPath, target: str) -> str:
        """Why a Markdown link of ``relative`` cannot be followed in the repository."""
        if URL_SCHEME.match(target) or target.startswith("//"):
            return ""
        path_part, _, anchor = target.partition("#")
        if not path_part:
            if relative.parent == VENDORS_DIR and anchor:
                return self.citation_problem(relative, anchor)
            return ""
        if path_part.startswith("/"):
            return "an absolute path: link relative to the file instead"
        resolved = (self.root / relative.parent / path_part).resolve()
        try:
            inside = PurePosixPath(resolved.relative_to(self.root).as_posix())
        except ValueError:
            return "leaves the repository"
        if inside.parent == VENDORS_DIR and inside.suffix == ".md":
            return self.citation_problem(inside, anchor or None)
        return ""


def scan_tree(root: Path) -> list[Violation]:
    """Every violation in the files git lists under ``root``."""
    scanner = Scanner(root)
    found: list[Violation] = []
    for relative in tracked_files(root):
        text = read_text(root / relative)
        if text is not None:
            found.extend(scanner.scan(relative, text))
    return sorted(found)


def sections(markdown: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of every ``##``/``###`` section, body up to the next heading."""
    parts: list[tuple[str, str]] = []
    heading, body = None, []
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match is not None and len(match.group(1)) in (2, 3):
            if heading is not None:
                parts.append((heading, "\n".join(body)))
            heading, body = match.group(2), []
        elif heading is not None:
            body.append(line)
    if heading is not None:
        parts.append((heading, "\n".join(body)))
    return parts


# --------------------------------------------------------------------------- the repository


def test_every_citation_points_into_the_repository():
    violations = scan_tree(PROJECT_ROOT)

    assert not violations, "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("name", VENDOR_REFERENCES)
def test_each_vendor_reference_sources_every_section(name):
    text = (PROJECT_ROOT / VENDORS_DIR / name).read_text(encoding="utf-8")
    defined = {
        label.lower()
        for label, url in re.findall(r"^\[([^\]]+)\]:\s*(https?://\S+)", text, re.MULTILINE)
    }
    assert defined, f"{name} defines no public source URL"

    unsourced = []
    for heading, body in sections(text):
        links_a_url = re.search(r"\]\(https?://", body) is not None
        references = {label.lower() for label in re.findall(r"\]\[([^\]]+)\]", body)}
        if not (links_a_url or references & defined or "Open question" in body):
            unsourced.append(heading)
    undefined = {
        label for label in re.findall(r"\]\[([^\]]+)\]", text) if label.lower() not in defined
    }

    assert not unsourced, f"{name}: sections with no public source and no open question"
    assert not undefined, f"{name}: reference links with no URL: {sorted(undefined)}"


# --------------------------------------------------------------------------- the scanner itself


def scan_one(tmp_path: Path, relative: str, text: str) -> list[str]:
    """The violations the scanner finds in one file of a tree with two vendor references."""
    (tmp_path / VENDORS_DIR).mkdir(parents=True, exist_ok=True)
    (tmp_path / VENDORS_DIR / "apivideo.md").write_text(
        "# api.video\n\n## Rate limits\n\n## Paging\n\n### Paging\n", encoding="utf-8"
    )
    (tmp_path / VENDORS_DIR / "ibm-video.md").write_text(
        "# IBM\n\n## Token endpoint\n\nSee [rates](apivideo.md#rate-limits).\n",
        encoding="utf-8",
    )
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    scanner = Scanner(tmp_path)
    return [str(v) for v in scanner.scan(PurePosixPath(relative), text)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# limit 100 (api-docs/brightcove-audience.txt, Paging results)", "outside the"),
        ("see FINDINGS.md section 2", "outside the"),
        ("the overview (shared/reference/api-docs)", "outside the"),
        ("FINDINGS §3: UNCERTAIN", "outside the"),
        ('# [OV "Paging results"]: "maximum: 100"', "citation tag"),
        ('# [FND §4 "Auth"]: the token lasts 1 h', "citation tag"),
        ("#: [OAS-2025-01] /data/* 400 examples", "citation tag"),
        ("# [OAS]/[GUIDE] example", "citation tag"),
        ('# [IBM "Time format"]', "citation tag"),
        ("docs in /home/alice/reference", "one machine"),
        ("the key in /root/.config/key", "one machine"),
        ("spec saved at /Users/bob/spec.yaml", "one machine"),
        ("read /tmp/openapi.yaml", "one machine"),
        ("docs/vendors/nope.md#paging", "does not exist"),
        ("docs/vendors/apivideo.md#no-such-section", "has no section"),
        ("docs/vendors/apivideo.md#paging-2", "has no section"),
    ],
)
def test_the_scanner_finds_each_kind_of_bad_citation(tmp_path, line, expected):
    found = scan_one(tmp_path, "pkg/module.py", f"x = 1\n{line}\n")

    assert found, line
    assert all(f.startswith("pkg/module.py:2: ") for f in found), found
    assert any(expected in f for f in found), found


@pytest.mark.parametrize(
    "line",
    [
        "# 100 items a page (docs/vendors/apivideo.md#paging)",
        "# docs/vendors/apivideo.md#paging-1 and docs/vendors/ibm-video.md#token-endpoint",
        "see docs/vendors/apivideo.md",
        "https://example.com/home/index.html and ~/work/notes",
        "the [API's key] scheme, [OVERVIEW] and a_tmp/file",
    ],
)
def test_the_scanner_accepts_what_the_repository_may_say(tmp_path, line):
    assert scan_one(tmp_path, "pkg/module.py", f"{line}\n") == []


def test_markdown_links_must_stay_in_the_repository_and_find_their_section(tmp_path):
    text = (
        "[a](../../outside/README.md) [b](/etc/hosts) [c](../README.md)\n"
        "[d](../docs/vendors/apivideo.md#rate-limits) [e](../docs/vendors/apivideo.md#rates)\n"
        "[f](https://example.com/../x) [g](#local)\n"
        "[ref]: ../../elsewhere.md\n"
    )
    found = scan_one(tmp_path, "pkg/README.md", text)

    assert found == [
        "pkg/README.md:1: link '../../outside/README.md': leaves the repository",
        "pkg/README.md:1: link '/etc/hosts': an absolute path: link relative to the file instead",
        "pkg/README.md:2: 'docs/vendors/apivideo.md#rates': "
        "docs/vendors/apivideo.md has no section #rates",
        "pkg/README.md:2: link '../docs/vendors/apivideo.md#rates': "
        "docs/vendors/apivideo.md has no section #rates",
        "pkg/README.md:4: link '../../elsewhere.md': leaves the repository",
    ]


def test_a_vendor_reference_checks_its_own_section_links(tmp_path):
    text = "# x\n\n## Paging\n\nSee [above](#paging) and [nowhere](#rates).\n"
    found = scan_one(tmp_path, "docs/vendors/new.md", text)

    assert found == [
        "docs/vendors/new.md:5: link '#rates': docs/vendors/new.md has no section #rates"
    ]


def test_the_exceptions_are_narrow(tmp_path):
    markers = '    {\n        "/work/",\n        "/tmp/",  # noqa: S108\n    }\n'
    assert scan_one(tmp_path, "tests/e2e/test_packaging.py", markers) == []
    # The same lines elsewhere, or another use in that file, are violations.
    assert len(scan_one(tmp_path, "tests/e2e/test_other.py", markers)) == 2
    assert scan_one(tmp_path, "tests/e2e/test_packaging.py", 'SRC = "/work/spec.yaml"\n')
    assert scan_one(tmp_path, "tests/support/provision_postgres.sh", "cp /tmp/x .\n")
