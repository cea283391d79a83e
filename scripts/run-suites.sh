#!/bin/sh
# Runs each unit-test suite of the Check runner as its own process, JOBS at a
# time, so that the slow gates (valgrind, sanitizers) use every core: valgrind
# serialises the threads of one process, and one Check runner runs its suites
# one after another.
#
#   scripts/run-suites.sh JOBS LOGDIR COMMAND...
#
# COMMAND is run as `COMMAND SUITE` for every tests/test_SUITE.c (the runner's
# optional argument selects one suite); each run's output goes to
# LOGDIR/SUITE.log. Prints one line per suite (its Check summary) and, for a
# suite that fails, its whole log. Exits non-zero when any suite fails.
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 JOBS LOGDIR COMMAND..." >&2
  exit 2
fi
jobs=$1
logdir=$2
shift 2
mkdir -p "$logdir" || exit 2
rm -f "$logdir"/*.log "$logdir"/*.failed

# Largest test sources first: a rough proxy for run time that keeps the last
# job from starting alone at the end.
suites=$(ls -S tests/test_*.c | sed 's|^tests/test_||; s|\.c$||')

# xargs runs `sh -c SCRIPT sh SUITE COMMAND...` for each suite.
printf '%s\n' $suites | xargs -P "$jobs" -I '{}' sh -c '
  suite=$1; dir=$2; log=$2/$1.log; shift 2
  if "$@" "$suite" >"$log" 2>&1; then
    summary=$(grep -E "^[0-9]+%: Checks:" "$log" | tail -n 1)
    echo "ok   $suite: ${summary:-done}"
  else
    rc=$?
    echo "FAIL $suite (exit $rc); log $log:"
    cat "$log"
    : >"$dir/$suite.failed"
  fi' sh '{}' "$logdir" "$@"

failed=$(ls "$logdir" | sed -n 's/\.failed$//p')
if [ -n "$failed" ]; then
  echo "failed suites:" $failed
  exit 1
fi
echo "all suites passed"
