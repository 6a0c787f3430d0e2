#!/usr/bin/env python3
"""Extracts the documentation of each catalogued builder argument from the plugins' docs partials.

Usage:
    extract_docs.py REPO=MIRROR [REPO=MIRROR ...]

where REPO is `owner/name` as `plugin_repo` and `sdk.repo` name it in the component files
(`hashicorp/packer-plugin-proxmox`, `hashicorp/packer-plugin-sdk`, ...) and MIRROR is a git
directory holding that repository's history (a bare clone will do). Every file is read at the
commit the component file records (`source_commit`, `sdk.commit`), never from a work tree.

For each builder file in this folder (`kind: builder`) it writes `docs/<component>.json`, an
object from an argument's path (block names and its own, joined with `.`) to the first
paragraph of its entry in the generated partial `<Struct>-required.mdx` or
`<Struct>-not-required.mdx` of the Go struct that declares it. The struct is found by walking
the component's `Config` and the structs it embeds with `mapstructure:",squash"`, across the
plugin and packer-plugin-sdk, and by following each nested block's field type. Where the
declaring struct's partial does not list the argument, the hand-written partials of the same
package are searched. Arguments without an entry are left out: nothing is made up.

The text is kept as the partial has it, apart from: the entry's two-space indent removed, links
to anchors or relative pages reduced to their text (absolute links are kept), and the cut: the
first paragraph only (with the list it announces, when it ends with `:` and the list fits), a
last sentence that announces an example left out, and a cut at the last sentence end before
MAX_CHARS when the text is longer.

Standard library only; run it by hand when a pin moves, then review the diff.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_CHARS = 600
SDK_PARTIALS = "cmd/packer-sdc/internal/renderdocs/docs-partials/packer-plugin-sdk/"


class Repo:
    """One repository at one commit."""

    def __init__(self, name, git_dir, commit):
        self.name = name
        self.git_dir = git_dir
        self.commit = commit
        out = self.git("ls-tree", "-r", "--name-only", commit)
        self.files = out.splitlines()
        self.module = None
        for line in self.show("go.mod").splitlines():
            if line.startswith("module "):
                self.module = line.split()[1]
                break
        self.partials = self._partials()
        self._structs = {}

    def git(self, *args):
        return subprocess.run(
            ["git", "-C", self.git_dir, *args], check=True, capture_output=True, text=True
        ).stdout

    def show(self, path):
        return self.git("show", f"{self.commit}:{path}")

    def _partials(self):
        """Package folder -> partial stem (`Config-not-required`) -> {argument: entry}."""
        found = {}
        for path in self.files:
            if not path.endswith(".mdx") or "test-data" in path:
                continue
            if path.startswith(SDK_PARTIALS):
                rest = path[len(SDK_PARTIALS):]
            elif path.startswith("docs-partials/"):
                rest = path[len("docs-partials/"):]
            else:
                continue
            folder, _, file = rest.rpartition("/")
            stem = file[: -len(".mdx")]
            found.setdefault(folder, {})[stem] = (path, entries(self.show(path)))
        return found

    def structs(self, folder):
        """Struct name -> (body, imports) of the Go package in `folder`."""
        if folder not in self._structs:
            table = {}
            for path in self.files:
                if (
                    path.rpartition("/")[0] == folder
                    and path.endswith(".go")
                    and not path.endswith("_test.go")
                    and not path.endswith(".hcl2spec.go")
                ):
                    source = strip_comments(self.show(path))
                    imports = go_imports(source)
                    for name, body in go_structs(source):
                        table[name] = (body, imports)
                    # `type NetworkInterfaces []NetworkInterface`: a block of the element type.
                    for m in re.finditer(r"^type\s+(\w+)\s+\[\]\*?([\w.]+)\s*$", source, re.M):
                        table.setdefault(m.group(1), (m.group(2), imports))
            self._structs[folder] = table
        return self._structs[folder]


def entries(text):
    """The `- `name` (type) - text` entries of a partial: name -> its lines, first one included."""
    found = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^- `([^`]+)` \(([^)]*(?:\([^)]*\))?[^)]*)\) - ?(.*)$", line)
        if m:
            current = m.group(1)
            found.setdefault(current, [m.group(3)])
            continue
        if line.startswith("<!--") or (line and not line.startswith(" ")):
            current = None
            continue
        if current is not None:
            found[current].append(line)
    return found


def first_paragraph(lines):
    """The entry's first paragraph, links reduced, cut at a sentence end.

    A paragraph that announces a list (ends with `:`) keeps the list paragraphs that follow
    while they fit; one that announces anything else (an example) loses that last sentence.
    """
    blocks, block = [], []
    for line in lines:
        if not line.strip():
            if block:
                blocks.append(block)
                block = []
            continue
        if line.strip().startswith("```"):
            # A code example inside the paragraph ends it.
            blocks.append(block)
            block = []
            break
        block.append(line[2:] if line.startswith("  ") else line.strip())
    if block:
        blocks.append(block)
    blocks = [b for b in blocks if b]
    if not blocks:
        return ""
    kept = ["\n".join(blocks[0])]
    announces = kept[0].rstrip().endswith(":")
    for block in blocks[1:]:
        if not announces or not any(re.match(r"\s*[-*] ", line) for line in block):
            break
        if len("\n\n".join(kept + ["\n".join(block)])) > MAX_CHARS:
            break
        kept.append("\n".join(block))
    text = "\n\n".join(kept).strip()
    # [text](#anchor) and [text](/relative) become their text; absolute links stay.
    text = re.sub(r"\[([^\]]*)\]\((?!https?://)[^)]*\)", r"\1", text)
    if text.endswith(":"):
        ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", text)]
        ends = ends or [m.start() for m in re.finditer(r"\n", text)]
        if ends:
            text = text[: ends[-1]]
    if len(text) > MAX_CHARS:
        ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text[: MAX_CHARS + 1])]
        text = text[: ends[-1]] if ends else text[:MAX_CHARS].rsplit(" ", 1)[0] + " ..."
    return text


def strip_comments(source):
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"//[^\n]*", "", source)


def go_imports(source):
    """Alias -> import path."""
    found = {}
    for block in re.findall(r"import\s*\((.*?)\)", source, flags=re.S):
        for line in block.splitlines():
            m = re.match(r'^\s*(?:([\w.]+)\s+)?"([^"]+)"', line)
            if m:
                alias = m.group(1) or m.group(2).rsplit("/", 1)[-1]
                found[alias] = m.group(2)
    for m in re.finditer(r'^import\s+(?:([\w.]+)\s+)?"([^"]+)"', source, flags=re.M):
        found[m.group(1) or m.group(2).rsplit("/", 1)[-1]] = m.group(2)
    return found


def go_structs(source):
    for m in re.finditer(r"^type\s+(\w+)\s+struct\s*\{", source, flags=re.M):
        depth, i = 1, m.end()
        while depth and i < len(source):
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
        yield m.group(1), source[m.end() : i - 1]


def fields(body):
    """(name from the mapstructure tag or None, type expression, squash) per top-level field."""
    depth = 0
    for line in body.splitlines():
        start = depth
        depth += line.count("{") - line.count("}")
        if start or not line.strip():
            continue
        tag = re.search(r"`([^`]*)`", line)
        tag = tag.group(1) if tag else ""
        decl = re.sub(r"`[^`]*`", "", line).split()
        ms = re.search(r'mapstructure:"([^"]*)"', tag)
        name, _, opts = (ms.group(1) if ms else "").partition(",")
        squash = "squash" in opts.split(",")
        if len(decl) == 1:
            yield (None, decl[0], squash or not name)
        elif len(decl) >= 2:
            yield (name or None, " ".join(decl[1:]), squash)


class Walker:
    """Finds the struct that declares each argument of a body, and its docs."""

    def __init__(self, repos):
        self.repos = repos

    def resolve(self, repo, folder, imports, expr):
        """The (repo, folder, struct) a Go type expression names, or None."""
        expr = expr.lstrip("*[]").strip()
        if expr.startswith("map[") or "." not in expr and not expr[:1].isalpha():
            return None
        if "." in expr:
            alias, _, name = expr.partition(".")
            path = imports.get(alias)
            if path is None:
                return None
            for other in self.repos.values():
                if other.module and (path == other.module or path.startswith(other.module + "/")):
                    return other, path[len(other.module) + 1 :], name
            return None
        return repo, folder, expr

    def body(self, repo, folder, struct):
        """Argument name -> (repo, folder, struct, field type, imports) of its declaration."""
        table = repo.structs(folder)
        if struct not in table:
            return {}
        body, imports = table[struct]
        if "\n" not in body and " " not in body.strip():
            # A slice type's name: the block's body is its element's.
            target = self.resolve(repo, folder, imports, body)
            return self.body(*target) if target else {}
        out = {}
        for name, expr, squash in fields(body):
            if name is None:
                if squash:
                    target = self.resolve(repo, folder, imports, expr)
                    if target:
                        for k, v in self.body(*target).items():
                            out.setdefault(k, v)
                continue
            out.setdefault(name, (repo, folder, struct, expr, imports))
        return out

    def doc(self, repo, folder, struct, name):
        partials = repo.partials.get(folder, {})
        for stem in (f"{struct}-required", f"{struct}-not-required"):
            if stem in partials and name in partials[stem][1]:
                return partials[stem][0], first_paragraph(partials[stem][1][name])
        for stem, (path, found) in sorted(partials.items()):
            if name in found:
                return path, first_paragraph(found[name])
        return None, None


def walk(walker, schema, declared, prefix, out, used, missing):
    names = list(schema.get("arguments", {})) + list(schema.get("blocks", {}))
    for name in sorted(names):
        path = prefix + [name]
        where = declared.get(name)
        if where is None:
            missing.append(".".join(path))
            continue
        repo, folder, struct, expr, imports = where
        partial, text = walker.doc(repo, folder, struct, name)
        if text:
            out[".".join(path)] = text
            used.add(f"{repo.name}:{partial}")
        else:
            missing.append(".".join(path))
        if name in schema.get("blocks", {}):
            target = walker.resolve(repo, folder, imports, expr)
            inner = walker.body(*target) if target else {}
            walk(walker, schema["blocks"][name], inner, path, out, used, missing)


def main(argv):
    mirrors = dict(a.split("=", 1) for a in argv)
    for file in sorted(HERE.glob("*.json")):
        data = json.loads(file.read_text())
        if data.get("kind") != "builder":
            continue
        plugin = data["plugin_repo"]
        sdk = data["sdk"]
        repos = {
            plugin: Repo(plugin, mirrors[plugin], data["source_commit"]),
            sdk["repo"]: Repo(sdk["repo"], mirrors[sdk["repo"]], sdk["commit"]),
        }
        walker = Walker(repos)
        folder = data["spec"]["file"].rpartition("/")[0]
        struct = data["spec"]["struct"].removeprefix("Flat")
        declared = walker.body(repos[plugin], folder, struct)
        out, used, missing = {}, set(), []
        walk(walker, data, declared, [], out, used, missing)
        target = HERE / "docs" / file.name
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{data['component']}: {len(out)} documented, {len(missing)} not", file=sys.stderr)
        for path in missing:
            print(f"  no docs: {path}", file=sys.stderr)
        for partial in sorted(used):
            print(f"  read: {partial}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
