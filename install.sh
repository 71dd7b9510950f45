#!/usr/bin/env bash
# One-command set-up: creates .venv with a Python >= 3.12 and installs flowsim with its dev tools.
# Looks for python3.12+ on PATH first, then asks pyenv (where `python3` may be 3.11).
set -euo pipefail
cd "$(dirname "$0")"
find_python() {
  for c in python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 &&
       "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in 3.13 3.12; do
      p=$(PYENV_VERSION=$v pyenv which python3 2>/dev/null) && { echo "$p"; return 0; }
    done
  fi
  return 1
}
PY=$(find_python) || { echo "install.sh: no Python >= 3.12 found (tried python3.13, python3.12, python3, pyenv 3.13/3.12)." >&2; exit 1; }
echo "install.sh: using $PY ($("$PY" --version))"
"$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "install.sh: done. Run tests with: .venv/bin/python -m pytest"
