#!/usr/bin/env bash
# The production stack on this machine: nginx in front of two Granian app servers (yzgz/appserver.py),
# PostgreSQL (already running here, as on the CI machines) and a Redis of its own
# (deploy/redis.conf: a memory ceiling and its eviction policy; REDIS_URL uses another instead).
#
#   deploy/prod.sh start    install the runtime lock, migrate, collect static files, load the demo,
#                           start everything
#   deploy/prod.sh stop     stop exactly what start started (by the pid files in .prod/)
#   deploy/prod.sh status
#
# It runs from a venv of its own, .venv-prod (PROD_VENV moves it), with requirements.lock alone:
# the runtime packages, none of the test and lint tools of requirements-dev.lock (.venv).
# Everything else it writes is under .prod/ (config, pids, logs, the secret key; PROD_RUN moves it). Settings come
# from the environment with defaults for this machine; on a real server use the systemd
# units in deploy/systemd/ and deploy/nginx-site.conf instead (see the README).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${PROD_RUN:-$ROOT/.prod}"
VENV="${PROD_VENV:-$ROOT/.venv-prod}"
PY="$VENV/bin/python"
PORT="${PROD_PORT:-8080}"
APP_PORTS=("${PROD_APP_PORT_A:-8101}" "${PROD_APP_PORT_B:-8102}")
PROD_DB="${PROD_DB:-yzgz_prod}"
PG="${PROD_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS_PORT="${PROD_REDIS_PORT:-6390}"
OWN_REDIS=$([ -z "${REDIS_URL:-}" ] && echo 1 || echo 0)
# The address readers use (nginx's): absolute URLs, the CSRF origin and nginx's Host check.
SITE_URL="${DJANGO_SITE_URL:-http://127.0.0.1:$PORT}"
SITE_NETLOC="${SITE_URL#*://}"
SITE_HOST="${SITE_NETLOC%:*}"

environment() {
    mkdir -p "$RUN"
    if [ ! -s "$RUN/secret_key" ]; then
        "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$RUN/secret_key"
        chmod 600 "$RUN/secret_key"
    fi
    export DJANGO_DEBUG=0
    DJANGO_SECRET_KEY="$(cat "$RUN/secret_key")"
    export DJANGO_SECRET_KEY
    export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
    export DJANGO_SITE_URL="$SITE_URL"
    export DATABASE_URL="${DATABASE_URL:-$PG/$PROD_DB}"
    export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}"
    export DJANGO_TRUSTED_PROXIES=127.0.0.2  # nginx (proxy_bind in the template), which appends the client's address
    export DJANGO_SECURE_SSL="${DJANGO_SECURE_SSL:-0}"  # this local stack speaks plain HTTP
    export DJANGO_MEDIA_ROOT="$ROOT/media"
    export DJANGO_PUBLISHED_ROOT="$RUN/published"  # pages nginx serves as files (yzgz/published.py)
    export DJANGO_STATIC_ROOT="$ROOT/staticfiles"
    # This local stack sends no real SMS or mail: codes and reset links land in files under $RUN
    # (a real host sets DJANGO_SMS_BACKEND=aliyun|tencent and DJANGO_EMAIL_HOST etc.).
    export DJANGO_SMS_BACKEND="${DJANGO_SMS_BACKEND:-file}"
    export DJANGO_SMS_FILE_PATH="${DJANGO_SMS_FILE_PATH:-$RUN/sms.log}"
    export DJANGO_EMAIL_BACKEND="${DJANGO_EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"
    export DJANGO_EMAIL_FILE_PATH="${DJANGO_EMAIL_FILE_PATH:-$RUN/mail}"
}

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install() {  # the venv from requirements.lock, again only when the lock has changed
    if cmp -s "$ROOT/requirements.lock" "$VENV/.installed.lock"; then return 0; fi
    [ -x "$PY" ] || "${PYTHON:-python3}" -m venv "$VENV"
    "$PY" -m pip install --quiet --require-hashes --no-deps -r "$ROOT/requirements.lock"
    cp "$ROOT/requirements.lock" "$VENV/.installed.lock"
}

wait_for() {  # wait_for URL: until the server answers at all
    for _ in $(seq 1 100); do
        if "$PY" -c "import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError: pass
" "$1" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "no answer from $1" >&2
    return 1
}

start() {
    command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
    install
    environment
    if [ "$OWN_REDIS" = 1 ] && ! running "$RUN/redis.pid"; then
        redis-server "$ROOT/deploy/redis.conf" --port "$REDIS_PORT" --dir "$RUN" --daemonize yes \
            --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
        for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    if ! psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$PROD_DB'" | grep -q 1; then
        createdb -d "$PG/postgres" "$PROD_DB" 2>/dev/null || psql "$PG/postgres" -qc "CREATE DATABASE $PROD_DB"
    fi
    "$PY" manage.py migrate --noinput -v0
    "$PY" manage.py collectstatic --noinput -v0
    # IP属地: the offline database from the npm registry, once (kept in var/ip2region).
    "$PY" manage.py fetch_ip_region_db -v0 || echo "IP属地 database unavailable: comments show 未知" >&2
    "$PY" manage.py load_demo -v0 >/dev/null
    # The headers nginx adds to published copies; copies from an earlier run are never served.
    rm -rf "$DJANGO_PUBLISHED_ROOT"
    "$PY" manage.py published_headers -v0
    # Production mode as on a real (HTTPS) host must pass `check --deploy` without a warning.
    DJANGO_SECURE_SSL=1 "$PY" manage.py check --deploy --fail-level WARNING
    for port in "${APP_PORTS[@]}"; do
        if running "$RUN/app-$port.pid"; then continue; fi
        setsid "$PY" -m yzgz.appserver "127.0.0.1:$port" --pid-file "$RUN/app-$port.pid" \
            >>"$RUN/app-$port.log" 2>&1 </dev/null &
    done
    # The view counts buffered in Redis reach the database every 5 s, from one process (the
    # yzgz-flush-views service on a real host; a new Django process per flush cost 15% of a core).
    if ! running "$RUN/flush-views.pid"; then
        setsid "$PY" manage.py flush_views -v0 --every 5 \
            >>"$RUN/flush-views.log" 2>&1 </dev/null &
        echo $! > "$RUN/flush-views.pid"
    fi
    rm -rf "$RUN/microcache"  # copies from an earlier run are never served
    # nginx's lock for a missing copy of the home or article page waits for a copy Django makes;
    # with the page cache off there is none, and the lock would only queue readers (0.5 s each).
    PAGE_LOCK=on
    [ "${DJANGO_PAGE_CACHE_SECONDS:-}" = "0" ] && PAGE_LOCK=off
    sed -e "s|@RUN@|$RUN|g" -e "s|@ROOT@|$ROOT|g" -e "s|@DEPLOY@|$ROOT/deploy|g" -e "s|@PORT@|$PORT|g" \
        -e "s|@SITE_NETLOC@|$SITE_NETLOC|g" -e "s|@SITE_HOST@|$SITE_HOST|g" -e "s|@PAGE_LOCK@|$PAGE_LOCK|g" \
        -e "s|@UPSTREAM_A@|127.0.0.1:${APP_PORTS[0]}|g" -e "s|@UPSTREAM_B@|127.0.0.1:${APP_PORTS[1]}|g" \
        deploy/nginx.conf.template > "$RUN/nginx.conf"
    if running "$RUN/nginx.pid"; then
        nginx -p "$RUN" -c "$RUN/nginx.conf" -s reload
    else
        nginx -p "$RUN" -c "$RUN/nginx.conf"
    fi
    for port in "${APP_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/robots.txt"; done
    wait_for "http://127.0.0.1:$PORT/"
    echo "The production stack is up: http://127.0.0.1:$PORT/ (nginx) -> 127.0.0.1:${APP_PORTS[0]}, 127.0.0.1:${APP_PORTS[1]} (Granian)"
    echo "Site address (DJANGO_SITE_URL): $SITE_URL"
    echo "PostgreSQL: $DATABASE_URL  Redis: $REDIS_URL  logs: $RUN/"
}

stop() {
    if running "$RUN/nginx.pid"; then
        nginx -p "$RUN" -c "$RUN/nginx.conf" -s quit
    fi
    for port in "${APP_PORTS[@]}"; do
        pidfile="$RUN/app-$port.pid"
        if running "$pidfile"; then
            pid="$(cat "$pidfile")"
            kill -TERM "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        fi
        rm -f "$pidfile"
    done
    if running "$RUN/flush-views.pid"; then
        kill -TERM -- "-$(cat "$RUN/flush-views.pid")" 2>/dev/null || kill -TERM "$(cat "$RUN/flush-views.pid")"
    fi
    rm -f "$RUN/flush-views.pid"
    if running "$RUN/redis.pid"; then
        # The views still buffered reach the database before this Redis goes.
        (environment && "$PY" manage.py flush_views -v0) || true
        pid="$(cat "$RUN/redis.pid")"
        kill -TERM "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    for _ in $(seq 1 50); do running "$RUN/nginx.pid" || break; sleep 0.2; done
    echo "The production stack is stopped."
}

status() {
    for name in nginx app-"${APP_PORTS[0]}" app-"${APP_PORTS[1]}" flush-views redis; do
        if running "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
    done
}

cd "$ROOT"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: deploy/prod.sh start|stop|status" >&2; exit 2 ;;
esac
