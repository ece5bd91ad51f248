#!/usr/bin/env python3
"""The house rules on size: no source file over 600 lines and no function
over 60 lines in capture/, core/, analyzer/, apps/, pipeline/. Prints each breach as
FILE:LINE and exits 1 when there is one.

A function is a brace block opened by a line that looks like a signature
(a name and a parameter list, not a control statement, a lambda, or a type
or namespace); its length runs from the signature's first line to its
closing brace. Namespace bodies do not nest the count.
"""
import re
import sys
from pathlib import Path

MAX_FILE, MAX_FUNCTION = 600, 60
DIRS = ("capture", "core", "analyzer", "apps", "pipeline")
CONTROL = re.compile(r"^\s*(if|for|while|switch|do|else|try|catch|return)\b")
NOT_FUNCTION = re.compile(r"^\s*(namespace|class|struct|enum|union|extern)\b|\[[^\]]*\]\s*(\([^)]*\))?\s*(mutable\s*)?(->\s*[\w:<>]+\s*)?\{\s*$|=\s*\{?\s*$|=\s*\[")


def strip(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def functions(lines):
    """(start line, end line, signature) of every outermost function body."""
    depth, start, sig_from = 0, None, None
    pending = []  # recent non-blank code lines, for multi-line signatures
    for n, raw in enumerate(lines, 1):
        code = strip(raw)
        if code.strip():
            pending = (pending + [(n, code)])[-4:]
        for ch in code:
            if ch == "{":
                if start is None and depth_is_outer(depth):
                    text = " ".join(c for _, c in pending)
                    last = pending[-1][1] if pending else ""
                    if "(" in text and not CONTROL.match(last) and not NOT_FUNCTION.search(last):
                        sig_from = first_signature_line(pending)
                        start = depth
                depth += 1
            elif ch == "}":
                depth -= 1
                if start is not None and depth == start:
                    yield sig_from, n, lines[sig_from - 1].strip()
                    start = None
        if code.strip().startswith("namespace") and code.rstrip().endswith("{"):
            depth -= 1  # namespace bodies do not count as nesting


def depth_is_outer(depth):
    return depth <= 1  # free functions, and members defined in a class body


def first_signature_line(pending):
    # Back to the line where the parameter list opened.
    for i in range(len(pending) - 1, -1, -1):
        if "(" in pending[i][1]:
            j = i
            while j > 0 and not pending[j - 1][1].rstrip().endswith((";", "}", "{")) and \
                    not pending[j - 1][1].strip().startswith(("template", "#", "public:", "private:")):
                j -= 1
            return pending[j][0]
    return pending[-1][0]


def main(root):
    breaches = 0
    for d in DIRS:
        for path in sorted(Path(root, d).rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            lines = path.read_text(errors="replace").split("\n")
            rel = path.relative_to(root)
            if len(lines) - 1 > MAX_FILE:
                print(f"{rel}:1: {len(lines) - 1} lines (at most {MAX_FILE})")
                breaches += 1
            for a, b, sig in functions(lines):
                if b - a + 1 > MAX_FUNCTION:
                    print(f"{rel}:{a}: function of {b - a + 1} lines (at most {MAX_FUNCTION}): {sig[:70]}")
                    breaches += 1
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent.parent)))
