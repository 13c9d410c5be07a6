#!/usr/bin/env bash
# Placeholder until the deployment issue lands: nothing in deploy/ to check yet.
set -euo pipefail
echo "deploy-lint: no deployment files yet"
