#!/usr/bin/env bash
# The Python environments the interop tests judge against, made once and reused.
#
#   tools/pyenv.sh modern   # numpy 2.x, pandas 3.x, cloudpickle, dill, joblib
#   tools/pyenv.sh legacy   # numpy 1.x, pandas 2.x (the older pickle layouts)
#   tools/pyenv.sh py27     # CPython 2.7 from pyenv (no packages)
#
# Prints the path of the environment's python on stdout. Idempotent and safe
# to call from several test processes at once (flock). The environments live
# outside the repository ($SERDE_PICKLE_PYENV, default ~/.cache/serde_pickle),
# keyed by their pinned requirements, so every worktree and CI run shares them.
# Versions are pinned: the byte-for-byte tests compare against what exactly
# these versions write.
set -euo pipefail

name=${1:?usage: tools/pyenv.sh modern|legacy|py27}
root=${SERDE_PICKLE_PYENV:-$HOME/.cache/serde_pickle}
mkdir -p "$root"

case "$name" in
modern) base=python3 reqs="numpy==2.4.6 pandas==3.1.1 cloudpickle==3.1.3 dill==0.4.1 joblib==1.6.0" ;;
legacy) base=python3 reqs="numpy==1.26.4 pandas==2.2.3" ;;
py27)
    for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7*/bin/python2.7 "$(command -v python2.7 || true)"; do
        if [ -x "$p" ]; then echo "$p"; exit 0; fi
    done
    echo "tools/pyenv.sh: no python2.7 (pyenv install 2.7.18)" >&2
    exit 1
    ;;
*) echo "tools/pyenv.sh: unknown environment $name" >&2; exit 2 ;;
esac

key=$(printf '%s %s' "$("$base" -c 'import sys; print(sys.version)')" "$reqs" | sha1sum | cut -c1-12)
dir="$root/$name-$key"
if [ ! -f "$dir/.complete" ]; then
    exec 9>"$root/$name.lock"
    flock 9
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        "$base" -m venv "$dir" >&2
        # shellcheck disable=SC2086 # the requirements are words
        "$dir/bin/pip" install --disable-pip-version-check -q $reqs >&2
        touch "$dir/.complete"
    fi
fi
echo "$dir/bin/python"
