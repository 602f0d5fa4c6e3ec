#!/bin/bash
# The operator's configuration commands, and docs/configuration.md kept equal to the table.
. "$(dirname "$0")/lib.sh"
"$O2P_ROOT/scripts/gen-config-doc.sh" "$O2P_BIN" >"$T_TMP/configuration.md"
if diff -u "$O2P_ROOT/docs/configuration.md" "$T_TMP/configuration.md" >"$T_TMP/diff"; then
    ok docs_configuration_matches_table
else
    fail docs_configuration_matches_table "run scripts/gen-config-doc.sh > docs/configuration.md: $(head -5 "$T_TMP/diff")"
fi
"$O2P_BIN/otlp2parquet" config --defaults >"$T_TMP/defaults.ini"
"$O2P_BIN/otlp2parquet" check-config -c "$T_TMP/defaults.ini" >/dev/null 2>&1 && ok defaults_file_is_valid || fail defaults_file_is_valid "check-config rejected config --defaults output"
printf '[receiver]\nhtp = 1\n' >"$T_TMP/bad.ini"
out=$("$O2P_BIN/otlp2parquet" check-config -c "$T_TMP/bad.ini" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'unknown configuration key "receiver.htp"' && ok unknown_key_startup_error || fail unknown_key_startup_error "rc=$rc $out"
out=$(OTLP2PARQUET_RECEIVER_HTTP=127.0.0.1:1 "$O2P_BIN/otlp2parquet" config --effective -c "$T_TMP/defaults.ini" --http 127.0.0.1:2 | grep '^http =')
check_eq flag_beats_env_beats_file "http = 127.0.0.1:2" "$out"
out=$(OTLP2PARQUET_RECEIVER_HTTP=127.0.0.1:1 "$O2P_BIN/otlp2parquet" config --effective -c "$T_TMP/defaults.ini" | grep '^http =')
check_eq env_beats_file "http = 127.0.0.1:1" "$out"
out=$("$O2P_BIN/otlp2parquet-receiver" --set spool.max_bytes=huge 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'not a size' && ok receiver_rejects_bad_value || fail receiver_rejects_bad_value "rc=$rc $out"
out=$("$O2P_BIN/otlp2parquet-receiver" --bogus 2>&1); rc=$?
# 78 (EX_CONFIG), as for a bad configuration: a unit or `otlp2parquet run` must not restart it
[ "$rc" = 78 ] && echo "$out" | grep -q '^usage:' && ok receiver_unknown_flag_usage || fail receiver_unknown_flag_usage "rc=$rc $out"
# A listen address is checked by the one validator (cfg_addr_split): check-config refuses what
# the receiver would refuse, with the same words, and the receiver exits 78 on it.
printf '[receiver]\nhttp = 999.1.1.1:99999\n' >"$T_TMP/addr.ini"
out=$("$O2P_BIN/otlp2parquet" check-config -c "$T_TMP/addr.ini" 2>&1); rc=$?
want='receiver.http = "999.1.1.1:99999": the port must be a number from 0 to 65535'
[ $rc -ne 0 ] && echo "$out" | grep -qF "$want" && ok check_config_refuses_bad_address || fail check_config_refuses_bad_address "rc=$rc $out"
rout=$(timeout 10 "$O2P_BIN/otlp2parquet-receiver" --data-dir "$T_TMP/addr" -c "$T_TMP/addr.ini" 2>&1); rc=$?
[ $rc = 78 ] && echo "$rout" | grep -qF "$want" && ok receiver_refuses_same_address || fail receiver_refuses_same_address "rc=$rc $rout"
out=$("$O2P_BIN/otlp2parquet" check-config --set receiver.grpc=999.1.1.1:4317 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -qF '"999.1.1.1" is not an IPv4 address' && ok check_config_refuses_bad_host || fail check_config_refuses_bad_host "rc=$rc $out"
