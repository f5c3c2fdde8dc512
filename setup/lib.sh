# shellcheck shell=bash
# Shared steps of setup/run, setup/test and setup/lint. Each step checks whether its work is already
# done and returns at once when it is, so a second run only starts the server.
#
# Paths (override through the environment):
#   ODOO_BILLING_CACHE  where Odoo, its apt metadata and the venv live  (~/.cache/odoo-usage-billing)
#   ODOO_SRC            an Odoo 19 source tree to use instead of Debian's odoo-19 package
#   PYTHON              the Python 3.10-3.13 interpreter the venv is made from (python3)

set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETUP_DIR="$REPO_DIR/setup"
CACHE_DIR=${ODOO_BILLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/odoo-usage-billing}
ODOO_DEB_VERSION=19.0.0+dfsg-1
ODOO_DEB_DIR="$CACHE_DIR/odoo-$ODOO_DEB_VERSION"
PYTHON=${PYTHON:-python3}
ADDONS_DIR="$REPO_DIR/addons"
OUR_ADDONS=pricelist_priority,consumption_billing,recurring_orders,consumption_billing_fs_storage,consumption_billing_queue_job,recurring_orders_queue_job
# The venv of tests and lint: the project's tools, and the addons' own test libraries (test-requirements.txt,
# as OCA repositories declare them).
TEST_REQUIREMENTS=("$SETUP_DIR/requirements-test.txt" "$REPO_DIR/test-requirements.txt")
# Odoo 19 on Python 3.11 triggers many third-party DeprecationWarnings that bury the useful log lines.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning}

# Debian packages the web client links to (the odoo-19 package symlinks into them) and the server needs.
RUNTIME_DEBS=(postgresql libjs-jquery libjs-underscore libjs-jquery-form fonts-font-awesome
    fonts-roboto-unhinted fonts-inconsolata wkhtmltopdf)
TEST_DEBS=(chromium)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
    printf '\033[31mERROR: %s\033[0m\n' "$1" >&2
    shift
    for hint in "$@"; do printf '  %s\n' "$hint" >&2; done
    exit 1
}

check_platform() {
    command -v dpkg-query >/dev/null && command -v apt-get >/dev/null ||
        die "this machine has no apt/dpkg: it is not Debian or Ubuntu." \
            "Install by hand: PostgreSQL 15+, Python 3.10-3.13 with venv, Chromium (for tests)," \
            "an Odoo 19 source tree, then run again with ODOO_SRC=/path/to/odoo."
    command -v "$PYTHON" >/dev/null || die "no '$PYTHON' found." "Install Python 3.10-3.13 or set PYTHON=/path/to/python3."
    "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))' ||
        die "Odoo 19 needs Python 3.10 to 3.13; '$PYTHON' is $("$PYTHON" -V 2>&1)." \
            "Set PYTHON=/path/to/a/suitable/python3."
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "root rights are needed to run: $*" "Run it as root, then run this command again."
    fi
}

ensure_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq || die "apt-get update failed." "Check the machine's apt sources, then run again."
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get could not install: ${missing[*]}" "Install them by hand (apt-get install ${missing[*]}), then run again."
}

# The machine's own Debian mirror, read from its apt sources, reused for the sid suite.
debian_mirror_uri() {
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || die "no Debian source found in /etc/apt/sources.list(.d)." \
        "Download the odoo-19 .deb (Debian sid) by hand, or set ODOO_SRC=/path/to/odoo19."
    echo "$uri"
}

# Odoo 19 from Debian's odoo-19 package, extracted into the cache (never installed system-wide).
# Downloaded and extracted under temporary names and moved into place only when complete.
ensure_odoo_package() {
    [ -f "$ODOO_DEB_DIR/.complete" ] && return 0
    say "Fetching Odoo $ODOO_DEB_VERSION (Debian package odoo-19) into $CACHE_DIR"
    local apt_dir="$CACHE_DIR/apt" work
    mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    cat >"$apt_dir/parts/sid.sources" <<EOF
Types: deb
URIs: $(debian_mirror_uri)
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    local apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/parts"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" -qq update ||
        die "apt-get could not read Debian sid's package list." "Check the network and /etc/apt sources."
    work=$(mktemp -d "$CACHE_DIR/.download.XXXXXX")
    (cd "$work" && apt-get "${apt_opts[@]}" -qq download "odoo-19=$ODOO_DEB_VERSION") ||
        { rm -rf "$work"; die "no odoo-19 package ($ODOO_DEB_VERSION) could be downloaded from Debian sid." \
            "Set ODOO_SRC=/path/to/an/odoo19/checkout to use an existing Odoo 19."; }
    say "Extracting Odoo (about 1.2 GB)"
    dpkg-deb -x "$work"/odoo-19_*.deb "$work/root" || { rm -rf "$work"; die "the odoo-19 package did not extract (disk full?)."; }
    # The package links JS libraries and fonts relatively into /usr/share: re-point them at the absolute
    # paths they had in the installed package.
    local link target
    while IFS= read -r link; do
        target=$(readlink "$link")
        [[ "$target" = /* ]] && continue
        ln -sfn "$(realpath -m "$(dirname "/${link#"$work"/root/}")/$target")" "$link"
    done < <(find "$work/root" -type l)
    # Debian strips this file from the source; the web client's asset bundle needs it to exist.
    local selfie="$work/root/usr/lib/python3/dist-packages/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    mkdir -p "$(dirname "$selfie")"
    [ -e "$selfie" ] || : >"$selfie"
    touch "$work/root/.complete"
    rm -rf "$ODOO_DEB_DIR"
    mv "$work/root" "$ODOO_DEB_DIR"
    rm -rf "$work"
}

# Sets ODOO_PYTHONPATH (the folder holding the `odoo` package) and ODOO_ADDONS_PATH.
resolve_odoo() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC holds no odoo/release.py." \
            "Point ODOO_SRC at the folder that contains the 'odoo' package (an Odoo 19 checkout)."
        grep -q "^version_info = (19," "$ODOO_SRC/odoo/release.py" ||
            die "ODOO_SRC=$ODOO_SRC is not Odoo 19." "Use an Odoo 19.0 checkout."
        ODOO_PYTHONPATH=$(cd "$ODOO_SRC" && pwd)
    else
        ensure_odoo_package
        ODOO_PYTHONPATH="$ODOO_DEB_DIR/usr/lib/python3/dist-packages"
    fi
    ODOO_ADDONS_PATH="$ADDONS_DIR,$ODOO_PYTHONPATH/odoo/addons"
    [ -d "$ODOO_PYTHONPATH/addons" ] && ODOO_ADDONS_PATH="$ODOO_ADDONS_PATH,$ODOO_PYTHONPATH/addons"
    export ODOO_PYTHONPATH ODOO_ADDONS_PATH
}

# A venv per set of requirements (named after their hash), so changed pins give a fresh venv.
ensure_venv() {
    local files=("$SETUP_DIR/requirements.txt" "$@") hash
    local odoo_addons="$SETUP_DIR/requirements-odoo-addons.txt"
    hash=$( (cat "${files[@]}" "$odoo_addons"; "$PYTHON" -V) | sha256sum | cut -c1-12)
    VENV="$CACHE_DIR/venv-$hash"
    VENV_PYTHON="$VENV/bin/python"
    export VENV VENV_PYTHON
    if [ ! -f "$VENV/.complete" ]; then
        say "Creating the Python venv $VENV"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" ||
            die "could not create a venv with $PYTHON." "Install the venv module (apt-get install python3-venv)."
        local args=() f
        for f in "${files[@]}"; do args+=(-r "$f"); done
        "$VENV_PYTHON" -m pip install -q --disable-pip-version-check "${args[@]}" >"$CACHE_DIR/pip.log" 2>&1 ||
            { tail -20 "$CACHE_DIR/pip.log" >&2; rm -rf "$VENV"
              die "pip could not install the requirements (${files[*]}); log: $CACHE_DIR/pip.log." "Check the network, then run again."; }
        # OCA addons from PyPI require `odoo` as a distribution, which the Debian build is not: installed
        # without dependencies, theirs are pinned in requirements.txt.
        "$VENV_PYTHON" -m pip install -q --disable-pip-version-check --no-deps -r "$odoo_addons" >>"$CACHE_DIR/pip.log" 2>&1 ||
            { tail -20 "$CACHE_DIR/pip.log" >&2; rm -rf "$VENV"
              die "pip could not install the Odoo addons of $odoo_addons; log: $CACHE_DIR/pip.log." "Check the network, then run again."; }
        touch "$VENV/.complete"
    fi
    # `import odoo` from anywhere in the venv (pytest-odoo imports it while loading).
    local site
    site=$("$VENV_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    [ "$(cat "$site/odoo-src.pth" 2>/dev/null)" = "$ODOO_PYTHONPATH" ] || echo "$ODOO_PYTHONPATH" >"$site/odoo-src.pth"
}

ensure_postgres() {
    local version
    command -v pg_lsclusters >/dev/null || ensure_debs postgresql
    version=$(pg_lsclusters -h 2>/dev/null | awk 'NR == 1 {print $1}')
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -n | tail -1)
        say "Creating PostgreSQL $version cluster"
        as_root pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
        say "Starting PostgreSQL $version"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
            die "PostgreSQL $version would not start." "Read /var/log/postgresql/postgresql-$version-main.log."
    fi
    local user
    user=$(id -un)
    [ "$user" = postgres ] && die "Odoo refuses to run as the 'postgres' user." "Run as another user."
    if ! psql -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
        say "Creating the PostgreSQL role '$user'"
        as_root runuser -u postgres -- psql -q -c "CREATE ROLE \"$user\" SUPERUSER LOGIN" ||
            die "could not create the PostgreSQL role '$user'." "Create it: sudo -u postgres createuser -s $user"
    fi
}

db_exists() { [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }

odoo_bin() { "$VENV_PYTHON" -m odoo "$@"; }

# A hash of the addons' files: the database is updated when it changes.
addons_hash() { (cd "$ADDONS_DIR" && find . -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

port_free() {
    "$VENV_PYTHON" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}
