#!/bin/sh
# Check the Debian packages the build and tests need; install the missing ones when root,
# else print the exact command. Called by `make test`, `make run` and `make bench`.
set -u
# pkg-config name : Debian package
LIBS="libevent:libevent-dev libevent_openssl:libevent-dev libevent_pthreads:libevent-dev
libnghttp2:libnghttp2-dev libprotobuf-c:libprotobuf-c-dev libcurl:libcurl4-openssl-dev
openssl:libssl-dev libzstd:libzstd-dev lmdb:liblmdb-dev zlib:zlib1g-dev jansson:libjansson-dev
libsystemd:libsystemd-dev inih:libinih-dev avro-c:libavro-dev"
# command : Debian package (tools the build and the tests run)
TOOLS="protoc-c:protobuf-c-compiler pkg-config:pkg-config cc:gcc make:make clang:clang
node:nodejs npm:npm h2load:nghttp2-client wrk:wrk mdb_stat:lmdb-utils protoc:protobuf-compiler
curl:curl systemd-analyze:systemd"
# python module : Debian package
PYMODS="grpc:python3-grpcio google.protobuf:python3-protobuf avro:python3-avro botocore:python3-botocore
snappy:python3-snappy zstandard:python3-zstandard"

missing=""
for pair in $LIBS; do
    pc=${pair%%:*}; deb=${pair#*:}
    pkg-config --exists "$pc" 2>/dev/null || missing="$missing $deb"
done
for pair in $TOOLS; do
    cmd=${pair%%:*}; deb=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $deb"
done
for pair in $PYMODS; do
    mod=${pair%%:*}; deb=${pair#*:}
    /usr/bin/python3 -c "import $mod" >/dev/null 2>&1 || missing="$missing $deb"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing% }" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
        || { echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
else
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
