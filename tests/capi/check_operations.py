#!/usr/bin/python3
"""Fails when a surface names another set of operations than the one list.

include/livecourse/operations.def is the list (name, request kind, answer
kind). It is held against:
- capi/include/livecourse.h: one written-out LC_OPERATION prototype per row,
  in the list's order (the C dispatch and the Node addon's table are made
  from the list itself, so they cannot drift);
- the Python binding: `_library.OPERATIONS` holds every row in order, with
  True for a JSON answer and False for text, and `engine.py` calls each;
- the Node binding: `index.js` calls each by name;
- the PHP binding: `Library.php` lists each (its FFI declarations are held
  against the header by its own tests) and `Engine.php` calls each;
- the reference server (given its binary): every route names a listed
  operation, and every operation has a route unless it is listed below with
  the reason it is not served over REST.

usage: check_operations.py <source root> [<livecourse-server binary>]
"""
import ast
import os
import re
import subprocess
import sys

# Operations the reference server does not expose as routes of their own.
NOT_ROUTED = {
    "roster_set_role": "PUT /api/courses/{courseId}/roster/{userId} enrolls with the role (roster_enroll)",
    "user_put": "the roster PUT writes the profile it carries before enrolling",
    "calendar_feed": "served by token only (calendar_feed_by_token): a feed URL must not name the user",
    "notification_claim": "the server delivers the outbox itself (its webhook worker)",
    "notification_ack": "the server delivers the outbox itself (its webhook worker)",
    "notification_fail": "the server delivers the outbox itself (its webhook worker)",
}


def read(root, *path):
    with open(os.path.join(root, *path), encoding="utf-8") as f:
        return f.read()


def main():
    root = sys.argv[1]
    server = sys.argv[2] if len(sys.argv) > 2 else None
    rows = re.findall(r"^LIVECOURSE_OPERATION\((\w+), (\w+), (\w+)\)$",
                      read(root, "include", "livecourse", "operations.def"), flags=re.M)
    names = [r[0] for r in rows]
    errors = []
    if len(rows) < 10:
        errors.append(f"found only {len(rows)} rows in operations.def: is the parser out of date?")
    for name, request, answer in rows:
        if request not in ("acting", "acting_on_session", "host", "video_server"):
            errors.append(f"{name}: unknown request kind {request}")
        if answer not in ("json", "text"):
            errors.append(f"{name}: unknown answer kind {answer}")
    if len(set(names)) != len(names):
        errors.append("operations.def lists an operation twice")

    header = re.sub(r"/\*.*?\*/", "", read(root, "capi", "include", "livecourse.h"), flags=re.S)
    declared = re.findall(r"^LC_OPERATION\(lc_(\w+)\);", header, flags=re.M)
    if declared != names:
        missing = [n for n in names if n not in declared]
        extra = [n for n in declared if n not in names]
        errors.append(f"livecourse.h's LC_OPERATION prototypes differ from operations.def "
                      f"(missing {missing}, not listed {extra}, or another order)")

    library = ast.parse(read(root, "bindings", "python", "livecourse", "_library.py"))
    python_ops = None
    for node in library.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id == "OPERATIONS":
            python_ops = ast.literal_eval(node.value)
    expected = [(name, answer == "json") for name, _, answer in rows]
    if python_ops is None:
        errors.append("bindings/python/livecourse/_library.py has no OPERATIONS")
    elif list(python_ops.items()) != expected:
        errors.append(f"the Python binding's OPERATIONS differ from operations.def: "
                      f"{sorted(set(python_ops.items()) ^ set(expected))}")
    engine_py = read(root, "bindings", "python", "livecourse", "engine.py")
    index_js = read(root, "bindings", "node", "index.js")
    library_php = read(root, "bindings", "php", "src", "Library.php")
    engine_php = read(root, "bindings", "php", "src", "Engine.php")
    for name in names:
        if f"'{name}' =>" not in library_php:
            errors.append(f"the PHP binding's Library.php does not list {name}")
        if f"'{name}'" not in engine_php:
            errors.append(f"the PHP Engine has no method calling {name}")
        if f'"{name}"' not in engine_py:
            errors.append(f"the Python Engine has no method calling {name}")
        if f"'{name}'" not in index_js:
            errors.append(f"the Node Engine has no method calling {name}")

    if server:
        listing = subprocess.run([server, "--list-routes"], capture_output=True, text=True, check=True).stdout
        routed = set()
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] != "-":
                routed.add(parts[2])
        for name in sorted(routed - set(names)):
            errors.append(f"a server route names {name}, which operations.def does not list")
        for name in names:
            if name not in routed and name not in NOT_ROUTED:
                errors.append(f"{name} has no server route (route it, or say why in NOT_ROUTED)")
            if name in routed and name in NOT_ROUTED:
                errors.append(f"{name} is routed now: drop it from NOT_ROUTED")
    for name in sorted(NOT_ROUTED.keys() - set(names)):
        errors.append(f"NOT_ROUTED names {name}, which operations.def does not list")

    if errors:
        for e in errors:
            print("check_operations:", e, file=sys.stderr)
        return 1
    print(f"check_operations: {len(names)} operations, the same in the header, the Python, Node and PHP bindings"
          f"{' and the server' if server else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
