#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter: PATH first, then pyenv's versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for name in python3.14 python3.13 python3.12 python3 python; do
  path=$(command -v "$name" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for path in $(ls -d "$pyenv_root"/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do
  if ok "$path"; then echo "$path"; exit 0; fi
done
echo "No Python 3.12 or newer found on PATH or under $pyenv_root/versions." >&2
echo "Install one (e.g. 'pyenv install 3.12') or put python3.12 on PATH." >&2
exit 1
