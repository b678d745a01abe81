"""``taxapp-hash-password``: print the pbkdf2_sha256 hash of a password, for ``taxapp.users``.

The password is read without echo on a terminal, or as the first line of standard
input otherwise (``echo secret | taxapp-hash-password`` in scripts). It is never
taken from the command line, where other users and the shell history would see it.
"""

import argparse
import getpass
import sys

from passlib.hash import pbkdf2_sha256


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="taxapp-hash-password", description=__doc__.splitlines()[0])
    parser.add_argument("login", nargs="?", help="print a whole 'login hash' line for taxapp.users")
    args = parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("taxapp-hash-password: the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("taxapp-hash-password: empty password", file=sys.stderr)
        return 1
    hashed = pbkdf2_sha256.hash(password)
    print(f"{args.login} {hashed}" if args.login else hashed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
