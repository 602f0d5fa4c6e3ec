# otlp2parquet - plain GNU make, non-recursive.
#
#   make                 build bin/otlp2parquet{,-receiver,-writer,-committer}
#   make test            install missing packages, build, run every test tier
#   make check           unit and fault tiers only; make fault: the fault tier alone
#   make run             install missing packages, build, run the embedded pipeline on ./data
#   make bench           benchmarks (records/s, MB/s, latency, peak RSS)
#   make fuzz            libFuzzer targets for a bounded time (clang)
#   make SAN=address,undefined test    the same under sanitizers
#   make install PREFIX=/usr DESTDIR=...
#
# Each directory's sources are picked up by wildcard: a new file needs no Makefile edit.
# `main.c` of a process directory is its program; every other .c file there is its library.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
SAN ?=
OPT ?= -O2
B := build$(if $(SAN),-san)
# Sanitized programs go beside their objects so they never replace the normal ones in bin/.
BINDIR := $(if $(SAN),$(B)/bin,bin)

PKGS := libevent libevent_openssl libevent_pthreads libnghttp2 libprotobuf-c libcurl openssl \
        libzstd lmdb zlib jansson libsystemd inih avro-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is dlopen'ed by storage/http_client.c when first needed (not linked: see there).
PKG_LIBS := $(filter-out -lcurl,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -g $(OPT) \
               -fno-omit-frame-pointer -MMD -MP -I. -I$(B)/proto $(PKG_CFLAGS)
ifneq ($(SAN),)
CFLAGS_BASE += -fsanitize=$(SAN) -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif
CFLAGS_ALL = $(CFLAGS_BASE) $(CFLAGS)
# Quiet by default; `make V=1` prints every command.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif
LDLIBS += $(PKG_LIBS) -lpthread -lm

PROTOS := $(shell find proto -name '*.proto' | sort)
PROTO_C := $(patsubst proto/%.proto,$(B)/proto/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)

lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
COMMON_SRCS := $(wildcard common/*.c)
PARQUET_SRCS := $(wildcard parquet/*.c)
STORAGE_SRCS := $(wildcard storage/*.c)
OTEL_SRCS := $(wildcard otel/*.c)
ICEBERG_SRCS := $(wildcard iceberg/*.c)
SPOOL_SRCS := $(call lib_srcs,spooler)
RECEIVER_SRCS := $(call lib_srcs,receiver)
WRITER_SRCS := $(call lib_srcs,writer)
COMMITTER_SRCS := $(call lib_srcs,committer)
CLI_SRCS := $(call lib_srcs,cli)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIB_COMMON := $(B)/libo2p_common.a
LIB_PARQUET := $(B)/libo2p_parquet.a
LIB_STORAGE := $(B)/libo2p_storage.a
LIB_OTEL := $(B)/libo2p_otel.a
LIB_ICEBERG := $(B)/libo2p_iceberg.a
LIB_SPOOL := $(B)/libo2p_spool.a
LIB_RECEIVER := $(B)/libo2p_receiver.a
LIB_WRITER := $(B)/libo2p_writer.a
LIB_COMMITTER := $(B)/libo2p_committer.a
LIB_CLI := $(B)/libo2p_cli.a
# The layering, bottom up (no library uses one above it; docs/architecture.md draws it):
#   common <- parquet, storage <- otel <- spooler, iceberg <- receiver, writer, committer <- cli
# Link order: dependents first.
ALL_LIBS := $(LIB_CLI) $(LIB_COMMITTER) $(LIB_WRITER) $(LIB_RECEIVER) $(LIB_ICEBERG) $(LIB_SPOOL) \
            $(LIB_OTEL) $(LIB_STORAGE) $(LIB_PARQUET) $(LIB_COMMON)

BINS := $(BINDIR)/otlp2parquet $(BINDIR)/otlp2parquet-receiver $(BINDIR)/otlp2parquet-writer $(BINDIR)/otlp2parquet-committer

.PHONY: all deps test check unit run bench fuzz install clean interop-deps crash soak
.DEFAULT_GOAL := all
# Generated protobuf-c sources are intermediate files: keep them.
.SECONDARY:
all: $(BINS)

deps:
	@scripts/deps.sh

# Generated protobuf-c code first: every object may include it.
$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(B)/proto
	$(call msg,PROTO,$<)
	$(Q)protoc-c --proto_path=proto --c_out=$(B)/proto $<

$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c
	$(call msg,CC,$<)
	$(Q)$(CC) $(filter-out -Werror,$(CFLAGS_ALL)) -c -o $@ $<

$(B)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(LIB_COMMON): $(call obj,$(COMMON_SRCS))
$(LIB_PARQUET): $(call obj,$(PARQUET_SRCS))
$(LIB_STORAGE): $(call obj,$(STORAGE_SRCS))
$(LIB_OTEL): $(call obj,$(OTEL_SRCS)) $(PROTO_C:.c=.o)
$(LIB_ICEBERG): $(call obj,$(ICEBERG_SRCS))
$(LIB_SPOOL): $(call obj,$(SPOOL_SRCS))
$(LIB_RECEIVER): $(call obj,$(RECEIVER_SRCS))
$(LIB_WRITER): $(call obj,$(WRITER_SRCS))
$(LIB_COMMITTER): $(call obj,$(COMMITTER_SRCS))
$(LIB_CLI): $(call obj,$(CLI_SRCS))
$(B)/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	$(call msg,AR,$@)
	$(Q)ar rcs $@ $^

# Each program links only the libraries of the stages it runs.
$(BINDIR)/otlp2parquet: $(B)/cli/main.o $(ALL_LIBS)
$(BINDIR)/otlp2parquet-receiver: $(B)/receiver/main.o $(LIB_RECEIVER) $(LIB_SPOOL) $(LIB_OTEL) $(LIB_COMMON)
$(BINDIR)/otlp2parquet-writer: $(B)/writer/main.o $(LIB_WRITER) $(LIB_SPOOL) $(LIB_OTEL) $(LIB_STORAGE) \
  $(LIB_PARQUET) $(LIB_COMMON)
$(BINDIR)/otlp2parquet-committer: $(B)/committer/main.o $(LIB_COMMITTER) $(LIB_ICEBERG) $(LIB_SPOOL) $(LIB_OTEL) \
  $(LIB_STORAGE) $(LIB_PARQUET) $(LIB_COMMON)
$(BINS):
	@mkdir -p $(BINDIR)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

# ---- tests -------------------------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
$(B)/tests/%: tests/unit/%.c tests/unit/testing.h $(ALL_LIBS) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS)

unit: $(UNIT_BINS)

# ---- fault injection (tests/fault/, tests/fault/README.md) --------------------------------
# Each tests/fault/fault_<lib>.c drives one library while its allocations, then its I/O calls,
# fail one by one. Always sanitized (ASan + UBSan; FAULT_SAN= for a toolchain without them):
# a sub-make builds the libraries it needs into build-san/, as `make SAN=address,undefined`.
FAULT_SAN ?= address,undefined
FAULT_B := build$(if $(FAULT_SAN),-san)
FAULT_SHIM := tests/fault/fault.c tests/fault/fault_alloc.c tests/fault/fault_io.c
FAULT_SRCS := $(filter-out $(FAULT_SHIM),$(wildcard tests/fault/fault_*.c))
FAULT_LIBS := $(LIB_COMMITTER) $(LIB_ICEBERG) $(LIB_SPOOL) $(LIB_OTEL) $(LIB_STORAGE) $(LIB_PARQUET) $(LIB_COMMON)
# Every allocation function the libraries call, or might, and jansson's loaders (fault_alloc.c).
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,--wrap=strndup \
              -Wl,--wrap=posix_memalign,--wrap=aligned_alloc,--wrap=reallocarray,--wrap=realpath \
              -Wl,--wrap=json_loads,--wrap=json_loadb
$(B)/tests/fault/%: tests/fault/%.c $(FAULT_SHIM) tests/fault/fault.h $(FAULT_LIBS) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS) $(FAULT_WRAP) -o $@ $< $(FAULT_SHIM) $(FAULT_LIBS) $(LDLIBS) -ldl
fault-bins: $(patsubst tests/fault/%.c,$(B)/tests/fault/%,$(FAULT_SRCS))
fault-build:
	@$(MAKE) --no-print-directory SAN=$(FAULT_SAN) fault-bins
fault: deps
	@$(MAKE) --no-print-directory fault-build
	@B=$(B) FAULT_B=$(FAULT_B) tests/run.sh fault
.PHONY: fault fault-build fault-bins

interop-deps:
	@scripts/interop-deps.sh

test: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory fault-build
	@$(MAKE) --no-print-directory interop-deps
	@B=$(B) FAULT_B=$(FAULT_B) O2P_BIN=$(abspath $(BINDIR)) tests/run.sh

check: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory fault-build
	@B=$(B) FAULT_B=$(FAULT_B) O2P_BIN=$(abspath $(BINDIR)) tests/run.sh unit,fault

run: deps
	@$(MAKE) --no-print-directory all
	$(BINDIR)/otlp2parquet run

# The crash test at full length: >= 100 random kill -9s under load, then drain and an exact
# reconcile of the Iceberg tables; then a drain started while the committer waits out its
# restart backoff. (`make test` runs a short form: tests/integration/crash_short.sh.)
crash: deps
	@$(MAKE) --no-print-directory all interop-deps
	@O2P_BIN=$(abspath $(BINDIR)) tests/crash/crash.sh --name crash --kills 120; a=$$?; \
	 O2P_BIN=$(abspath $(BINDIR)) tests/crash/crash.sh --name crash_drain_in_backoff --kills 4 --final-kill committer; b=$$?; \
	 [ $$a = 0 ] && [ $$b = 0 ]

# The hostile soak: SOAK_SECONDS (180) of `otlp2parquet run --writers 2` under good load and
# hostile clients (slowloris, pipeliner, half-sent floods, window-0 and half-sent gRPC calls,
# nested, garbage, oversize and backfill requests), then an exact reconcile of the tables and
# the receiver's RSS, restarts and refusals (tests/soak/soak.sh). Not part of `make test`.
soak: deps
	@$(MAKE) --no-print-directory all interop-deps
	@O2P_BIN=$(abspath $(BINDIR)) tests/soak/soak.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory interop-deps
	@tests/bench/run.sh

# ---- fuzzing (clang + libFuzzer) ---------------------------------------------------------
# The libraries are built once more with clang and the sanitizers into build-fuzz/.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
FUZZ_LIBS := $(patsubst $(B)/%,build-fuzz/%,$(LIB_RECEIVER) $(LIB_WRITER) $(LIB_ICEBERG) $(LIB_SPOOL) $(LIB_OTEL) \
  $(LIB_STORAGE) $(LIB_PARQUET) $(LIB_COMMON))
FUZZ_SECONDS ?= 60
fuzz-libs:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang SAN=address,undefined \
	  CFLAGS="-fsanitize=fuzzer-no-link" $(FUZZ_LIBS)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c fuzz-libs
	clang -std=c11 -D_GNU_SOURCE -g -O1 -I. -Ibuild-fuzz/proto $(PKG_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIBS) $(LDLIBS)
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BINS)
.PHONY: fuzz-libs

# ---- install -----------------------------------------------------------------------------
DOCDIR ?= $(PREFIX)/share/doc/otlp2parquet
UNITDIR ?= $(PREFIX)/lib/systemd/system
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
	  $(DESTDIR)$(PREFIX)/lib/tmpfiles.d $(DESTDIR)/etc/otlp2parquet $(DESTDIR)$(DOCDIR)
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for u in systemd/*.service systemd/*.target; do \
	  sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DOCDIR@|$(DOCDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	install -m 644 systemd/otlp2parquet.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/otlp2parquet.conf
	install -m 644 systemd/otlp2parquet.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/otlp2parquet.conf
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	$(BINDIR)/otlp2parquet config --defaults > $(DESTDIR)/etc/otlp2parquet/otlp2parquet.ini.example

clean:
	rm -rf build build-san build-fuzz bin

-include $(shell find $(B) -name '*.d' 2>/dev/null)
