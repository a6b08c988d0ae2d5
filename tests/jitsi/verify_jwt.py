#!/usr/bin/python3
"""An independent JWT implementation (PyJWT) checking livecourse's tokens.

The C++ tests run it for real with Debian's python3-jwt and
python3-cryptography:

  verify_jwt.py verify --alg HS256|RS256 --key FILE --token FILE
                       --audience AUD --issuer ISS [--subject SUB]
      Verifies signature, exp/nbf/iat, aud and iss with PyJWT, and on top
      the rules Jitsi adds (typ "JWT", kid for RS256, sub, room present).
      Exit 0 and print {"header": ..., "claims": ...} as JSON when valid;
      exit 3 and print "REJECTED <reason>" when PyJWT or a rule refuses it.

  verify_jwt.py sign --alg HS256|RS256 --key FILE --claims FILE [--kid KID]
      Prints a token signed by PyJWT over the JSON claims in FILE.

Keys are files: the raw HS256 secret, or a PEM key (public to verify,
private to sign).
"""
import argparse
import json
import sys

import jwt


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def verify(args):
    token = read(args.token, "r").strip()
    key = read(args.key)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(
            token,
            key,
            algorithms=[args.alg],
            audience=args.audience,
            issuer=args.issuer,
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "room"]},
        )
    except jwt.PyJWTError as e:
        print(f"REJECTED {type(e).__name__}: {e}")
        return 3
    if header.get("typ") != "JWT":
        print("REJECTED typ is not JWT")
        return 3
    if args.alg == "RS256" and not header.get("kid"):
        print("REJECTED RS256 without kid")
        return 3
    if args.subject is not None and claims.get("sub") != args.subject:
        print("REJECTED wrong sub")
        return 3
    for name in ("exp", "nbf", "iat"):
        if type(claims[name]) is not int:
            print(f"REJECTED {name} is not an integer")
            return 3
    print(json.dumps({"header": header, "claims": claims}))
    return 0


def sign(args):
    claims = json.loads(read(args.claims, "r"))
    key = read(args.key)
    headers = {"kid": args.kid} if args.kid else None
    print(jwt.encode(claims, key, algorithm=args.alg, headers=headers))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--alg", required=True, choices=["HS256", "RS256"])
    v.add_argument("--key", required=True)
    v.add_argument("--token", required=True)
    v.add_argument("--audience", required=True)
    v.add_argument("--issuer", required=True)
    v.add_argument("--subject")
    s = sub.add_parser("sign")
    s.add_argument("--alg", required=True, choices=["HS256", "RS256"])
    s.add_argument("--key", required=True)
    s.add_argument("--claims", required=True)
    s.add_argument("--kid")
    args = p.parse_args()
    return verify(args) if args.command == "verify" else sign(args)


if __name__ == "__main__":
    sys.exit(main())
