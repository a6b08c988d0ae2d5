#!/usr/bin/python3
"""Fails when docs/c-api.md and capi/include/livecourse.h drift apart.

Every function declared in the header must have its own "### lc_name"
section in the documentation, with at least one code example, and every
documented "### lc_name" section must name a declared function. Every status
value and every lc_host member must be mentioned too.

usage: check_docs.py <livecourse.h> <c-api.md>
"""
import re
import sys


def sections(markdown):
    """{name: body} for every '### lc_name' heading."""
    out = {}
    parts = re.split(r"^###\s+`?(lc_[a-z0-9_]+)`?\s*$", markdown, flags=re.M)
    for i in range(1, len(parts), 2):
        out[parts[i]] = parts[i + 1].split("\n## ")[0]
    return out


def main():
    header_path, doc_path = sys.argv[1], sys.argv[2]
    header = open(header_path, encoding="utf-8").read()
    doc = open(doc_path, encoding="utf-8").read()
    # Drop comments so that names quoted in them do not count as declarations.
    code = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    declared = set(re.findall(r"^LC_API\b[^;(]*?\b(lc_[a-z0-9_]+)\s*\(", code, flags=re.M))
    declared |= set(re.findall(r"^LC_OPERATION\((lc_[a-z0-9_]+)\);", code, flags=re.M))
    documented = sections(doc)
    errors = []
    if len(declared) < 10:
        errors.append(f"found only {len(declared)} functions in {header_path}: is the parser out of date?")
    for name in sorted(declared - documented.keys()):
        errors.append(f"{name} is declared in livecourse.h but has no '### {name}' section in c-api.md")
    for name in sorted(documented.keys() - declared):
        errors.append(f"c-api.md documents {name}, which livecourse.h does not declare")
    for name in sorted(declared & documented.keys()):
        if "```" not in documented[name]:
            errors.append(f"the section of {name} has no example")
    for status in sorted(set(re.findall(r"\b(LC_(?:OK|ERR_[A-Z_]+))\s*=", code))):
        if status not in doc:
            errors.append(f"status {status} is not documented")
    host = re.search(r"typedef struct lc_host \{(.*?)\} lc_host;", code, flags=re.S)
    if not host:
        errors.append("lc_host not found in the header")
    else:
        for member in re.findall(r"\(\*\s*([a-z_]+)\)|\b([a-z_]+);", host.group(1)):
            name = member[0] or member[1]
            if name and f"`{name}`" not in doc:
                errors.append(f"lc_host member {name} is not documented")
    if errors:
        for e in errors:
            print("check_docs:", e, file=sys.stderr)
        return 1
    print(f"check_docs: {len(declared)} functions, all documented, nothing extra")
    return 0


if __name__ == "__main__":
    sys.exit(main())
