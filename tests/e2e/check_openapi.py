#!/usr/bin/python3
"""Checks that docs/openapi.yaml and the server's route table agree.

    check_openapi.py path/to/livecourse-server docs/openapi.yaml

The server prints its routes with --list-routes ("METHOD /path/{param} operation");
the document must describe exactly those method/path pairs, each with the
same x-livecourse-operation, and be internally consistent: every path
parameter declared, every $ref resolvable, unique operationIds, and a 401
response on every operation that needs a bearer token.
"""

import subprocess
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def server_routes(binary):
    out = subprocess.run([binary, "--list-routes"], check=True, capture_output=True, text=True, timeout=30).stdout
    routes = {}
    for line in out.splitlines():
        method, path, operation = line.split()
        routes[(method.upper(), path)] = operation
    return routes


def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def walk_refs(doc, node, problems, where="#"):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                try:
                    resolve(doc, v)
                except (KeyError, TypeError):
                    problems.append(f"{where}: unresolvable $ref {v}")
            else:
                walk_refs(doc, v, problems, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_refs(doc, v, problems, f"{where}/{i}")


def main():
    binary, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    problems = []
    if not str(doc.get("openapi", "")).startswith("3.1"):
        problems.append(f"openapi version is {doc.get('openapi')!r}, expected 3.1.x")
    walk_refs(doc, doc, problems)

    documented = {}
    operation_ids = {}
    global_security = doc.get("security", [])
    for path, item in doc.get("paths", {}).items():
        path_params = [resolve(doc, p["$ref"]) if "$ref" in p else p for p in item.get("parameters", [])]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            key = (method.upper(), path)
            documented[key] = op.get("x-livecourse-operation")
            oid = op.get("operationId")
            if not oid:
                problems.append(f"{key}: no operationId")
            elif oid in operation_ids:
                problems.append(f"{key}: operationId {oid} also used by {operation_ids[oid]}")
            else:
                operation_ids[oid] = key
            if not op.get("responses"):
                problems.append(f"{key}: no responses")
            params = path_params + [resolve(doc, p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])]
            declared = {p["name"] for p in params if p.get("in") == "path"}
            templated = set()
            rest = path
            while "{" in rest:
                start = rest.index("{")
                end = rest.index("}", start)
                templated.add(rest[start + 1:end])
                rest = rest[end + 1:]
            if declared != templated:
                problems.append(f"{key}: path parameters {sorted(templated)} but declared {sorted(declared)}")
            security = op.get("security", global_security)
            if security and "401" not in op.get("responses", {}):
                problems.append(f"{key}: needs a bearer token but documents no 401")

    served = server_routes(binary)
    for key in sorted(set(served) - set(documented)):
        problems.append(f"served but not documented: {key[0]} {key[1]}")
    for key in sorted(set(documented) - set(served)):
        problems.append(f"documented but not served: {key[0]} {key[1]}")
    for key in sorted(set(served) & set(documented)):
        if served[key] != documented[key]:
            problems.append(f"{key[0]} {key[1]}: server calls {served[key]}, document says {documented[key]}")

    if problems:
        print("docs/openapi.yaml and the server disagree:")
        for p in problems:
            print("  -", p)
        return 1
    print(f"ok: {len(served)} routes, all documented with their operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
