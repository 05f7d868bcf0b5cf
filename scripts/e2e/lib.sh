# shellcheck shell=bash
# Shared by scripts/e2e-browser and scripts/e2e-client (sourced, not run):
#   e2e_npm_ci       installs the pinned JS packages of scripts/e2e when they are missing
#   e2e_start_server builds coopgraph, starts it on a free loopback port with a fresh data
#                    dir and waits for /readyz; sets E2E_URL. A trap stops it on exit.
#                    With the argument `editor-key` it also makes an API keys file with one
#                    EDITOR key for this run, and sets E2E_EDITOR_KEY to it.
# The caller has `set -euo pipefail` and has cd'ed to the repository root.

e2e_dir=scripts/e2e
e2e_tmp=$(mktemp -d "${TMPDIR:-/tmp}/coopgraph-e2e.XXXXXX")
e2e_server_pid=
E2E_URL=
E2E_EDITOR_KEY=

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# e2e_cleanup stops the server (SIGTERM lets it close the store cleanly; SIGKILL after 20 s)
# and removes the temp dir. It keeps the script's exit code.
e2e_cleanup() {
  local rc=$?
  if [ -n "$e2e_server_pid" ] && kill -0 "$e2e_server_pid" 2>/dev/null; then
    kill -TERM "$e2e_server_pid" 2>/dev/null || true
    for _ in $(seq 1 80); do
      kill -0 "$e2e_server_pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$e2e_server_pid" 2>/dev/null; then
      e2e_log "server did not stop within 20 s; killing it"
      kill -KILL "$e2e_server_pid" 2>/dev/null || true
    fi
    wait "$e2e_server_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -f "$e2e_tmp/server.log" ]; then
    e2e_log "failed (exit $rc); last lines of the server log:"
    tail -n 30 "$e2e_tmp/server.log" >&2 || true
  fi
  rm -rf "$e2e_tmp"
  exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# e2e_npm_ci installs exactly what package-lock.json names, unless node_modules already
# matches it (npm writes node_modules/.package-lock.json; equal lock files mean nothing
# changed since the last install). Install scripts are off: playwright-core downloads no
# browser in any case, and nothing here needs one.
e2e_npm_ci() {
  if [ -f "$e2e_dir/node_modules/.package-lock.json" ] &&
    node -e '
      const fs = require("fs");
      const want = JSON.parse(fs.readFileSync(process.argv[1])).packages;
      const have = JSON.parse(fs.readFileSync(process.argv[2])).packages;
      for (const [path, p] of Object.entries(want)) {
        if (path !== "" && (!have[path] || have[path].version !== p.version)) process.exit(1);
      }' "$e2e_dir/package-lock.json" "$e2e_dir/node_modules/.package-lock.json"; then
    e2e_log "node_modules of $e2e_dir match package-lock.json"
    return
  fi
  e2e_log "npm ci in $e2e_dir"
  (cd "$e2e_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
}

# e2e_free_port prints a TCP port that is free on 127.0.0.1 right now.
e2e_free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# e2e_start_server [editor-key] builds and starts coopgraph; sets E2E_URL
# (http://127.0.0.1:PORT) and, with editor-key, E2E_EDITOR_KEY.
e2e_start_server() {
  local port start i
  local -a flags=()
  e2e_log "go build ./cmd/coopgraph"
  go build -o "$e2e_tmp/coopgraph" ./cmd/coopgraph
  mkdir -p "$e2e_tmp/data"
  if [ "${1:-}" = editor-key ]; then
    # `keys add` prints the key (cgk_...) once on its own line and keeps only its hash.
    E2E_EDITOR_KEY=$("$e2e_tmp/coopgraph" keys add --name e2e --role EDITOR \
      --api-keys-file "$e2e_tmp/keys.json" | grep -m 1 '^cgk_' || true)
    if [ -z "$E2E_EDITOR_KEY" ]; then
      e2e_log "coopgraph keys add printed no key"
      return 1
    fi
    flags+=(--api-keys-file "$e2e_tmp/keys.json")
  fi
  port=$(e2e_free_port)
  E2E_URL="http://127.0.0.1:$port"
  start=$SECONDS
  # No MONGODB_URI: the embedded store, which loads the demo data on first start.
  env -u MONGODB_URI -u COOPGRAPH_API_KEYS_FILE -u COOPGRAPH_REQUIRE_AUTH_FOR_READS \
    -u COOPGRAPH_ADDR -u COOPGRAPH_DATA_DIR -u COOPGRAPH_DB -u COOPGRAPH_CORS_ORIGINS \
    "$e2e_tmp/coopgraph" --addr "127.0.0.1:$port" --data-dir "$e2e_tmp/data" "${flags[@]}" \
    >"$e2e_tmp/server.log" 2>&1 &
  e2e_server_pid=$!
  # Wait up to 60 s for /readyz to answer 200, giving up early if the server died.
  for i in $(seq 1 240); do
    if ! kill -0 "$e2e_server_pid" 2>/dev/null; then
      e2e_log "coopgraph exited before it was ready"
      return 1
    fi
    if node -e '
        fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1),
                                    () => process.exit(1));' "$E2E_URL/readyz"; then
      e2e_log "coopgraph ready at $E2E_URL after $((SECONDS - start)) s: $(head -n 1 "$e2e_tmp/server.log")"
      return 0
    fi
    sleep 0.25
  done
  e2e_log "coopgraph not healthy after 60 s (tries: $i)"
  return 1
}
