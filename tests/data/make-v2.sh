#!/bin/sh
# Writes tests/data/v2.db: a store at schema version 2 (accounts, tasks in several statuses
# with their events and counters, content, a callback delivery, a plan with its topic
# cursor, a daemon heartbeat), saved with VACUUM INTO as one file.
#
# The data is written by the binary built from this tree, then every object schema
# version 3 added (and the counters version 3 began to keep) is removed and the version set
# back to 2: exactly what a version-2 binary left behind. Never regenerate it once
# committed; add v3.db beside it when the schema changes again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${CONTENTHUB_BIN:-$here/../../target/debug/contenthub}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state
export CONTENTHUB_DB=$tmp/store.db TZ=UTC NO_COLOR=1
mkdir -p "$XDG_CONFIG_HOME/contenthub"
cat > "$XDG_CONFIG_HOME/contenthub/config.toml" <<'TOML'
[notify]
max_attempts = 1
timeout = "1s"

[generators.broken]
kind = "command"
command = ["false"]
TOML
cd "$tmp"
"$bin" account add blog --display-name "技术博客" -q
"$bin" account add news --language en -q
"$bin" task submit -a blog -t "已完成的任务" -k rust,cli -q >/dev/null
"$bin" task submit -a news -t "Completed in English" -q >/dev/null
"$bin" task submit -a blog -t "Failed with a callback" --generator broken --max-retries 0 \
  --callback-url http://127.0.0.1:9/hook -q >/dev/null
"$bin" daemon run --until-idle 2>/dev/null || true
"$bin" task submit -a blog -t "Pending task" -p 8 -q >/dev/null
cancelled=$("$bin" task submit -a news -t "Cancelled task" -q)
"$bin" task cancel "$cancelled" -q >/dev/null
"$bin" scheduler add daily --cron "0 9 * * *" --tz Asia/Shanghai -a blog --topic 话题一 --topic 话题二 >/dev/null
"$bin" scheduler trigger daily >/dev/null
sqlite3 "$CONTENTHUB_DB" <<'SQL'
DROP INDEX tasks_finished;
DROP INDEX contents_usage;
DROP TABLE alerts;
DELETE FROM counters WHERE name IN
  ('model_tokens_total','queue_wait_ms_sum','queue_wait_count','generation_ms_sum','generation_count');
PRAGMA user_version = 2;
SQL
rm -f "$here/v2.db"
sqlite3 "$CONTENTHUB_DB" "VACUUM INTO '$here/v2.db'"
sqlite3 "$here/v2.db" "SELECT status, count(*) FROM tasks GROUP BY status; SELECT count(*) || ' deliveries' FROM deliveries; PRAGMA user_version;"
