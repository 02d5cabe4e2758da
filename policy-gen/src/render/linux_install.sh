set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
# TEMPER_ROOT installs into another tree (a staging copy, a chroot): files
# only, no validation against the live system, no reloads.
ROOT=${TEMPER_ROOT:-}
DRY_RUN=0
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        -h|--help) echo "usage: $0 [--dry-run]   (TEMPER_ROOT=DIR installs into DIR instead of /)"; exit 0 ;;
        *) echo "$0: unknown option: $arg" >&2; exit 2 ;;
    esac
done
if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "$0: run as root (or with --dry-run, or TEMPER_ROOT=DIR)" >&2
    exit 1
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
BACKUP="$ROOT/var/backups/temper/$STAMP"
ROLLBACK="$BACKUP/rollback.sh"

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

note() { printf '%s\n' "$*"; }

start_rollback() {
    [ "$DRY_RUN" = 1 ] && return 0
    mkdir -p "$BACKUP"
    { echo '#!/bin/sh'; echo '# Restores what install.sh changed at' "$STAMP"; echo 'set -eu'; } > "$ROLLBACK"
    chmod 0700 "$ROLLBACK"
}

# install_file RELATIVE_PATH MODE: copy files/RELATIVE_PATH to $ROOT/RELATIVE_PATH, with a backup.
install_file() {
    src="$HERE/files/$1"; dst="$ROOT/$1"
    if [ "$DRY_RUN" = 1 ]; then note "would install /$1"; return 0; fi
    mkdir -p "$(dirname "$dst")"
    if [ -e "$dst" ]; then
        mkdir -p "$(dirname "$BACKUP/files/$1")"
        cp -p "$dst" "$BACKUP/files/$1"
        echo "cp -p $(q "$BACKUP/files/$1") $(q "$dst")" >> "$ROLLBACK"
    else
        echo "rm -f $(q "$dst")" >> "$ROLLBACK"
    fi
    cp "$src" "$dst.temper-new"
    chmod "$2" "$dst.temper-new"
    mv "$dst.temper-new" "$dst"
    note "installed /$1"
}

# ensure_line FILE LINE [WHERE]: add LINE to FILE once. WHERE is `first` (the
# top of the file), or a section header such as `[global]`, compared as
# case-insensitive fixed text (after it; when the file has no such section,
# the section and the line go at the top); without WHERE, the end.
ensure_line() {
    file="$ROOT/$1"
    [ -e "$file" ] || return 0
    grep -qxF "$2" "$file" && return 0
    if [ "$DRY_RUN" = 1 ]; then note "would add to /$1: $2"; return 0; fi
    mkdir -p "$(dirname "$BACKUP/files/$1")"
    cp -p "$file" "$BACKUP/files/$1"
    echo "cp -p $(q "$BACKUP/files/$1") $(q "$file")" >> "$ROLLBACK"
    case "${3:-}" in
        "") printf '%s\n' "$2" >> "$file" ;;
        first)
            { printf '%s\n' "$2"; cat "$file"; } > "$file.temper-new"
            cat "$file.temper-new" > "$file"; rm -f "$file.temper-new" ;;
        *)
            # Values travel through ENVIRON: awk -v would process backslash escapes.
            if TEMPER_AFTER="$3" awk 'BEGIN { a = tolower(ENVIRON["TEMPER_AFTER"]) }
                { t = tolower($0); gsub(/^[ \t]+|[ \t]+$/, "", t); if (t == a) found = 1 }
                END { exit !found }' "$file"; then
                TEMPER_LINE="$2" TEMPER_AFTER="$3" awk 'BEGIN { l = ENVIRON["TEMPER_LINE"]; a = tolower(ENVIRON["TEMPER_AFTER"]) }
                    { print }
                    !done { t = tolower($0); gsub(/^[ \t]+|[ \t]+$/, "", t); if (t == a) { print l; done = 1 } }' "$file" > "$file.temper-new"
            else
                { printf '%s\n%s\n' "$3" "$2"; cat "$file"; } > "$file.temper-new"
            fi
            cat "$file.temper-new" > "$file"; rm -f "$file.temper-new" ;;
    esac
    note "added to /$1: $2"
}

live() { [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ]; }

fail_and_roll_back() {
    echo "$0: $1; restoring the previous files" >&2
    sh "$ROLLBACK"
    exit 1
}

# remember_sysctl KEY: the rollback sets KEY back to its live value.
remember_sysctl() {
    value=$(sysctl -n "$1" 2>/dev/null) || return 0
    echo "sysctl -q -w $(q "$1=$value") || true" >> "$ROLLBACK"
}

# disable_unit NAME: disable, stop and mask NAME.service, .socket and .path
# where they exist; the rollback unmasks, re-enables and restarts what was so.
# Into another tree (TEMPER_ROOT), masking is a /dev/null symlink in its
# /etc/systemd/system, as `systemctl mask` would write.
disable_unit() {
    if [ "$DRY_RUN" = 1 ]; then note "would disable, stop and mask $1 (.service, .socket, .path)"; return 0; fi
    for unit in "$1.service" "$1.socket" "$1.path"; do
        if live; then
            systemctl cat "$unit" >/dev/null 2>&1 || continue
            enabled=$(systemctl is-enabled "$unit" 2>/dev/null || true)
            active=$(systemctl is-active "$unit" 2>/dev/null || true)
            [ "$enabled" = masked ] && continue
            echo "systemctl unmask $(q "$unit")" >> "$ROLLBACK"
            case "$enabled" in enabled|enabled-runtime) echo "systemctl enable $(q "$unit")" >> "$ROLLBACK" ;; esac
            [ "$active" = active ] && echo "systemctl start $(q "$unit")" >> "$ROLLBACK"
            systemctl disable --now "$unit" >/dev/null 2>&1 || true
            systemctl mask "$unit" >/dev/null 2>&1 || fail_and_roll_back "could not mask $unit"
            note "disabled, stopped and masked $unit"
        else
            found=
            for dir in lib/systemd/system usr/lib/systemd/system etc/systemd/system; do
                [ -e "$ROOT/$dir/$unit" ] && found=1
            done
            [ -n "$found" ] || continue
            link="$ROOT/etc/systemd/system/$unit"
            if [ -e "$link" ] || [ -L "$link" ]; then note "left $unit alone: $link exists"; continue; fi
            mkdir -p "$ROOT/etc/systemd/system"
            ln -s /dev/null "$link"
            echo "rm -f $(q "$link")" >> "$ROLLBACK"
            note "masked $unit in $ROOT"
        fi
    done
}

# expire_account NAME: no login of any kind from now on (password, key, su):
# its shadow expiry becomes day 1. The rollback restores the old expiry.
expire_account() {
    if [ "$DRY_RUN" = 1 ]; then note "would expire the unused account $1"; return 0; fi
    shadow="$ROOT/etc/shadow"
    if ! [ -e "$shadow" ] || ! awk -F: -v u="$1" '$1 == u { found = 1 } END { exit !found }' "$shadow"; then
        note "no account $1 in $shadow: left alone"; return 0
    fi
    old=$(awk -F: -v u="$1" '$1 == u { print $8 }' "$shadow")
    if live; then
        echo "usermod --expiredate $(q "${old:--1}") $(q "$1")" >> "$ROLLBACK"
        usermod --expiredate 1 "$1" || fail_and_roll_back "could not expire account $1"
    else
        if ! [ -e "$BACKUP/files/etc/shadow" ]; then
            mkdir -p "$BACKUP/files/etc"
            cp -p "$shadow" "$BACKUP/files/etc/shadow"
            echo "cat $(q "$BACKUP/files/etc/shadow") > $(q "$shadow")" >> "$ROLLBACK"
        fi
        awk -F: -v OFS=: -v u="$1" '$1 == u { $8 = 1 } { print }' "$shadow" > "$shadow.temper-new"
        cat "$shadow.temper-new" > "$shadow"; rm -f "$shadow.temper-new"
    fi
    note "expired the unused account $1"
}
