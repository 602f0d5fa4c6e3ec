#!/bin/bash
# `make install PREFIX=/usr DESTDIR=…` installs binaries, units, sysusers/tmpfiles entries and
# an example config; `systemd-analyze verify` accepts the installed units (with ExecStart
# pointed into DESTDIR, since the binaries are not really in /usr/bin).
. "$(dirname "$0")/lib.sh"
DEST=$T_TMP/root
make -s -C "$O2P_ROOT" install PREFIX=/usr DESTDIR="$DEST" >"$T_TMP/install.log" 2>&1 \
    && ok make_install || { fail make_install "$(tail -5 "$T_TMP/install.log")"; exit 0; }
U=$DEST/usr/lib/systemd/system
for f in usr/bin/otlp2parquet usr/bin/otlp2parquet-receiver usr/bin/otlp2parquet-writer usr/bin/otlp2parquet-committer \
         usr/lib/systemd/system/otlp2parquet-receiver.service usr/lib/systemd/system/otlp2parquet-writer@.service \
         usr/lib/systemd/system/otlp2parquet-committer.service usr/lib/systemd/system/otlp2parquet.target \
         usr/lib/sysusers.d/otlp2parquet.conf usr/lib/tmpfiles.d/otlp2parquet.conf \
         etc/otlp2parquet/otlp2parquet.ini.example usr/share/doc/otlp2parquet/README.md; do
    [ -e "$DEST/$f" ] || missing="$missing $f"
done
[ -z "${missing:-}" ] && ok installed_files || fail installed_files "missing:$missing"
"$DEST/usr/bin/otlp2parquet" check-config -c "$DEST/etc/otlp2parquet/otlp2parquet.ini.example" >/dev/null \
    && ok example_config_valid || fail example_config_valid "check-config rejected it"
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$T_TMP/units"
    for u in "$U"/otlp2parquet*; do sed "s|/usr/bin/|$DEST/usr/bin/|" "$u" >"$T_TMP/units/$(basename "$u")"; done
    out=$(cd "$T_TMP/units" && systemd-analyze verify --man=no ./otlp2parquet-receiver.service ./otlp2parquet-writer@.service \
        ./otlp2parquet-committer.service ./otlp2parquet.target 2>&1); rc=$?
    [ $rc -eq 0 ] && [ -z "$out" ] && ok systemd_analyze_verify || fail systemd_analyze_verify "rc=$rc $out"
else
    fail systemd_analyze_verify "systemd-analyze not installed"
fi
for u in otlp2parquet-receiver.service otlp2parquet-writer@.service otlp2parquet-committer.service; do
    f=$U/$u
    for want in 'Type=notify' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'StateDirectory=otlp2parquet' 'PrivateTmp=yes' \
                'WatchdogSec=' 'Restart=on-failure' 'ExecStart=/usr/bin/'; do
        grep -q "^$want" "$f" || bad="$bad $u:$want"
    done
done
[ -z "${bad:-}" ] && ok units_hardened_and_notify || fail units_hardened_and_notify "missing:$bad"
grep -q 'DefaultInstance=1' "$U/otlp2parquet-writer@.service" && ok writer_template_default_instance || fail writer_template_default_instance "no DefaultInstance"
