#!/usr/bin/env bash
# dev/test.sh: the whole test suite (Java unit tests, ITCases against a real Kafka + Elasticsearch,
# the Python exporter's tests). `./abc test` runs this; CI runs it through .ci/run.
#   extra arguments go to Maven, e.g. ./abc test -pl schemas
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
PYTHON=${ABC_PYTHON:-/usr/bin/python3}

# The ITCases share one test stack on their own ports, apart from a demo stack on the defaults.
export ABC_TEST_STACK_DIR=${ABC_TEST_STACK_DIR:-$ROOT/target/test-stack}
export ABC_TEST_KAFKA_PORT=${ABC_TEST_KAFKA_PORT:-19092}
export ABC_TEST_KAFKA_CONTROLLER_PORT=${ABC_TEST_KAFKA_CONTROLLER_PORT:-19093}
export ABC_TEST_ES_PORT=${ABC_TEST_ES_PORT:-19200}
export ABC_TEST_ES_TRANSPORT_PORT=${ABC_TEST_ES_TRANSPORT_PORT:-19300}
stack() {
  ABC_STACK_DIR=$ABC_TEST_STACK_DIR ABC_KAFKA_PORT=$ABC_TEST_KAFKA_PORT \
  ABC_KAFKA_CONTROLLER_PORT=$ABC_TEST_KAFKA_CONTROLLER_PORT ABC_ES_PORT=$ABC_TEST_ES_PORT \
  ABC_ES_TRANSPORT_PORT=$ABC_TEST_ES_TRANSPORT_PORT bash "$ROOT/dev/stack.sh" "$@"
}

failed=()

if [[ -f dev/fetch-tokenizer.sh && -d bundles/tiny ]]; then
  bash dev/fetch-tokenizer.sh bundles/tiny/tokenizer.json || failed+=("tokenizer fetch")
fi

started_stack=0
if ! stack status >/dev/null 2>&1; then
  echo "== starting the test stack (Kafka :$ABC_TEST_KAFKA_PORT, Elasticsearch :$ABC_TEST_ES_PORT)"
  if stack up; then started_stack=1; else failed+=("test stack"); fi
fi
cleanup() { if [[ $started_stack == 1 ]]; then echo "== stopping the test stack"; stack down; fi; }
trap cleanup EXIT

echo "== Java: unit tests, ITCases (mvn verify)"
mvn -B -ntp verify "$@" || failed+=("mvn verify")

if [[ -d export/tests ]]; then
  echo "== Python: exporter tests"
  if "$PYTHON" -c 'import torch, numpy, PIL, pytest' 2>/dev/null; then
    "$PYTHON" -m pytest -q export/tests
    rc=$?
    [[ $rc == 0 || $rc == 5 ]] || failed+=("pytest export/tests")
  else
    echo "$PYTHON lacks torch/numpy/PIL/pytest: apt-get install python3-torch python3-numpy python3-pil python3-pytest" >&2
    failed+=("python deps")
  fi
fi

if (( ${#failed[@]} )); then
  echo "== FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "== all test suites passed"
