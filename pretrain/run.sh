#!/usr/bin/env bash
# `npm run pretrain -- --hours H`: runs pretrain/train.py with a Python that has PyTorch (Debian's
# python3-torch; a pyenv shim in front of /usr/bin may hide it), one OpenBLAS thread.
set -euo pipefail
cd "$(dirname "$0")/.."
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import torch, numpy' >/dev/null 2>&1; then
    OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} exec "$py" pretrain/train.py "$@"
  fi
done
echo "pretrain: no Python with torch and numpy; run as root: apt-get install -y python3-torch python3-numpy libopenblas0-pthread" >&2
exit 1
