#!/usr/bin/env bash
# Before/after: greennet at REV against NEW_DIR, measured alternating in one run of this
# checkout's bench/run.py.  REV is checked out into a temporary `git worktree` (of the
# repository of NEW_DIR), removed again at the end.
#
#   bench/compare.sh REV [NEW_DIR] [run.py options...]
#   bench/compare.sh 7fe41ca /work/main --count              # counted, about 4 min
#   bench/compare.sh 7fe41ca /work/main --scenarios pp100,pp1000,churn50 \
#       --servers greennet_pipe,greennet_seq,gevent --rounds 5  # timed
#
# NEW_DIR defaults to this checkout.  The servers run on $PYTHON (default: this checkout's
# .venv/bin/python, else python3), which needs gevent; each imports greennet from its own
# checkout (--checkout old=... --checkout new=...).  See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ $# -lt 1 || $1 == -* ]]; then
    echo "usage: bench/compare.sh REV [NEW_DIR] [run.py options...]" >&2
    exit 2
fi
rev=$1; shift
new=$(cd "$here/.." && pwd)
if [[ $# -gt 0 && $1 != -* ]]; then
    new=$(cd "$1" && pwd); shift
fi
python=${PYTHON:-}
if [[ -z $python ]]; then
    if [[ -x $here/../.venv/bin/python ]]; then python=$here/../.venv/bin/python; else python=python3; fi
fi
commit=$(git -C "$new" rev-parse --verify --quiet "$rev^{commit}") || {
    echo "bench/compare.sh: $rev is not a commit of the repository of $new" >&2
    exit 2
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/greennet-compare.XXXXXX")
cleanup() {
    git -C "$new" worktree remove --force "$tmp/old" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
git -C "$new" worktree add --quiet --detach "$tmp/old" "$commit"
"$python" "$here/run.py" --checkout "old=$tmp/old" --checkout "new=$new" "$@"
