# Sourced before each docs block by tests/docs/test_docs_run.py (CONTRIBUTING.md, "Docs as tests").

# `linkreport sandbox PROVIDER` serves in the foreground: a reader runs it in another terminal and
# pastes the `export` lines it prints. Here it runs in the background (until the block ends) and its
# `export` lines are evaluated in this shell.
linkreport() {
  if [ "${1-}" = sandbox ] && [[ " $* " != *" --env "* ]] && [[ " $* " != *" --help "* ]] \
    && [[ " $* " != *" --background "* ]]; then
    local log
    log=$(mktemp "$DOCS_TMP/sandbox.XXXXXX")
    command linkreport "$@" >"$log" 2>&1 &
    local pid=$! last=-1 count i
    for i in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "linkreport $*: ended early" >&2; return 1; }
      count=$(grep -c '^ *export ' "$log" || true)
      [ "$count" -gt 0 ] && [ "$count" = "$last" ] && break
      last=$count
      sleep 0.1
    done
    [ "$count" -gt 0 ] || { echo "linkreport $*: printed no export lines" >&2; return 1; }
    eval "$(sed -n 's/^ *\(export .*\)$/\1/p' "$log")"
  else
    command linkreport "$@"
  fi
}

# The test cannot reach a package index: `pip install X ...` checks that each X (with its extras)
# is installed in this environment instead.
pip() {
  if [ "${1-}" = install ]; then
    shift
    python "$DOCS_DIR/installed.py" "$@"
  else
    command pip "$@"
  fi
}
