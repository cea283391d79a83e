# libsnn — plain GNU make build. `make help` lists the targets.
#
# The version comes from include/snn.h (the single source of truth); the build
# fails when the newest node of src/libsnn.map does not match it.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# ---- version -------------------------------------------------------------
VERSION_MAJOR := $(shell sed -n 's/^\#define SNN_VERSION_MAJOR \([0-9]*\).*/\1/p' include/snn.h)
VERSION_MINOR := $(shell sed -n 's/^\#define SNN_VERSION_MINOR \([0-9]*\).*/\1/p' include/snn.h)
VERSION_PATCH := $(shell sed -n 's/^\#define SNN_VERSION_PATCH \([0-9]*\).*/\1/p' include/snn.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
MAP_NODE := $(shell sed -n 's/^SNN_\([0-9]*\.[0-9]*\) *{.*/\1/p' src/libsnn.map | tail -n 1)
ifneq ($(MAP_NODE),$(VERSION_MAJOR).$(VERSION_MINOR))
$(error src/libsnn.map newest node SNN_$(MAP_NODE) does not match header version $(VERSION_MAJOR).$(VERSION_MINOR))
endif

# ---- install locations (upper- and GNU lower-case forms) -----------------
DESTDIR ?=
prefix ?= /usr/local
PREFIX ?= $(prefix)
exec_prefix ?= $(PREFIX)
libdir ?= $(exec_prefix)/lib
LIBDIR ?= $(libdir)
includedir ?= $(PREFIX)/include
INCLUDEDIR ?= $(includedir)
bindir ?= $(exec_prefix)/bin
BINDIR ?= $(bindir)
pkgconfigdir ?= $(LIBDIR)/pkgconfig
PKGCONFIGDIR ?= $(pkgconfigdir)

# ---- tools and flags -----------------------------------------------------
CC ?= cc
CXX ?= c++
PKG_CONFIG ?= pkg-config
INSTALL ?= install
AR ?= ar

OPT ?= -O3
CSTD := -std=c11
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif
OPENMP ?= -fopenmp
OPENMP_LIBS ?= -fopenmp
BLAS_CFLAGS := $(shell $(PKG_CONFIG) --cflags openblas 2>/dev/null)
BLAS_LIBS := $(shell $(PKG_CONFIG) --libs openblas 2>/dev/null || echo -lopenblas)
# Prefer Debian's OpenMP build of OpenBLAS (libopenblas0-openmp) when present: it shares
# libsnn's OpenMP thread pool instead of running its own pthreads beside it (measured on
# the MNIST default recipe: 26 s instead of 35 s of training, see docs/training.md), and
# with it the engine's fixed-tile products make results independent of the thread count.
# SNN_BLAS=system keeps whatever libopenblas.so.0 the system alternative selects.
SNN_BLAS ?= auto
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
OPENBLAS_OMP_DIR ?= /usr/lib/$(MULTIARCH)/openblas-openmp
ifeq ($(SNN_BLAS),auto)
ifneq ($(wildcard $(OPENBLAS_OMP_DIR)/libopenblas.so.0),)
BLAS_LIBS := -L$(OPENBLAS_OMP_DIR) -l:libopenblas.so.0 -Wl,-rpath,$(OPENBLAS_OMP_DIR)
endif
endif
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)
# HDF5 for NIR import/export (src/nir, docs/nir.md): pkg-config "hdf5" (Debian's
# libhdf5-dev provides it through hdf5-serial), else Debian's serial paths. Without
# it the NIR calls return SNN_E_UNSUPPORTED. SNN_HDF5=no builds without it.
SNN_HDF5 ?= auto
# snn.pc gets the flags in Libs.private (not "Requires.private: hdf5", which would
# make every pkg-config query of snn fail where hdf5.pc is not on the search path).
HDF5_CFLAGS :=
HDF5_LIBS :=
ifneq ($(SNN_HDF5),no)
ifneq ($(shell $(PKG_CONFIG) --exists hdf5 2>/dev/null && echo yes),)
HDF5_CFLAGS := $(shell $(PKG_CONFIG) --cflags hdf5)
HDF5_LIBS := $(shell $(PKG_CONFIG) --libs hdf5)
else ifneq ($(wildcard /usr/include/hdf5/serial/hdf5.h),)
HDF5_CFLAGS := -I/usr/include/hdf5/serial
HDF5_LIBS := -L/usr/lib/$(MULTIARCH)/hdf5/serial -lhdf5
endif
endif
HDF5_DEFS := $(if $(HDF5_LIBS),-DSNN_HAVE_HDF5 $(HDF5_CFLAGS))
# in snn.pc, Debian's library by its real name (no -L: a pkg-config sysroot would prefix it)
HDF5_PC_LIBS := $(if $(HDF5_LIBS),$(if $(wildcard /usr/lib/$(MULTIARCH)/libhdf5_serial.so),-lhdf5_serial,$(HDF5_LIBS)))

SAN_FLAGS ?=
CPPFLAGS_ALL := -Iinclude -Isrc/core -D_POSIX_C_SOURCE=200809L $(HDF5_DEFS) $(CPPFLAGS)
# -fno-math-errno -fno-trapping-math: the library never reads errno after a
# math function nor the floating-point exception flags; without them sqrtf()
# in a loop (Adam) and selects such as `spike ? x - d : x` (branches after
# if-conversion fails) keep hot loops from vectorising. Results are unchanged:
# both only drop side effects nobody observes (no -ffast-math reassociation).
FP_FLAGS := -fno-math-errno -fno-trapping-math
CFLAGS_ALL := $(CSTD) $(OPT) -g $(WARN) -fvisibility=hidden $(FP_FLAGS) $(OPENMP) \
              $(BLAS_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
LDLIBS_LIB := $(BLAS_LIBS) $(HDF5_LIBS) -lm $(OPENMP_LIBS) -lpthread

BUILD ?= build
LIBOUT ?= lib
BINOUT ?= bin

# ---- sources -------------------------------------------------------------
SRC := $(sort $(wildcard src/*/*.c))
PIC_OBJ := $(SRC:src/%.c=$(BUILD)/pic/%.o)
STATIC_OBJ := $(SRC:src/%.c=$(BUILD)/static/%.o)

SONAME := libsnn.so.$(VERSION_MAJOR)
SHLIB := $(LIBOUT)/libsnn.so.$(VERSION)
STLIB := $(LIBOUT)/libsnn.a

# examples: examples/NAME.c -> bin/NAME ; examples/NAME/*.c -> bin/NAME
EX_SINGLE := $(filter-out examples/consumer.c,$(wildcard examples/*.c))
EX_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard examples/*/*.c))))
EX_DIRS := $(filter-out examples/python,$(EX_DIRS))
EXAMPLES := $(EX_SINGLE:examples/%.c=$(BINOUT)/%) $(EX_DIRS:examples/%=$(BINOUT)/%)
# benchmarks: bench/NAME.c -> bin/bench/NAME
BENCH_SRC := $(wildcard bench/*.c)
BENCHES := $(BENCH_SRC:bench/%.c=$(BINOUT)/bench/%)
# unit tests: tests/test_*.c, one aggregate runner
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_NAMES := $(TEST_SRC:tests/test_%.c=%)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o) $(BUILD)/tests/runner.o $(BUILD)/tests/testutil.o
RUNNER := $(BUILD)/tests/runner

EX_LDFLAGS := -L$(LIBOUT) -Wl,-rpath,'$$ORIGIN/../lib' -Wl,-rpath,'$$ORIGIN/../../lib'

.PHONY: all lib examples bench check test-unit test-header test-install test-python test-examples \
        install install-lib install-includes install-pc uninstall deps data data-mnist demo \
        sanitize tsan valgrind abi-check abi-baseline docs fuzz clean help

all: lib examples

lib: $(SHLIB) $(LIBOUT)/$(SONAME) $(LIBOUT)/libsnn.so $(STLIB)

$(BUILD)/pic/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -fPIC -MMD -MP -c $< -o $@

$(BUILD)/static/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(SHLIB): $(PIC_OBJ) src/libsnn.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libsnn.map \
	  -Wl,-z,defs -Wl,-z,relro -Wl,-z,now $(LDFLAGS) -o $@ $(PIC_OBJ) $(LDLIBS_LIB)

$(LIBOUT)/$(SONAME): $(SHLIB)
	ln -sf $(notdir $(SHLIB)) $@

$(LIBOUT)/libsnn.so: $(LIBOUT)/$(SONAME)
	ln -sf $(SONAME) $@

$(STLIB): $(STATIC_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(STATIC_OBJ)

# snn.pc is generated from the final PREFIX/LIBDIR/INCLUDEDIR of this invocation (never
# DESTDIR), so it is rebuilt every time rather than trusted from an earlier run.
# pc_esc quotes a path for a sed replacement inside '...': \ & | are escaped for sed
# and ' is closed, escaped and reopened for the shell.
pc_esc = $(subst ','\'',$(subst |,\|,$(subst &,\&,$(subst \,\\,$(1)))))
PC_SED = sed -e 's|@PREFIX@|$(call pc_esc,$(PREFIX))|' -e 's|@LIBDIR@|$(call pc_esc,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_esc,$(INCLUDEDIR))|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@OPENMP_LIBS@|$(OPENMP_LIBS)|' -e 's|@BLAS_LIBS@|$(BLAS_LIBS)|' \
	    -e 's|@HDF5_LIBS@|$(HDF5_PC_LIBS)|'
.PHONY: snn.pc
snn.pc: snn.pc.in
	$(PC_SED) $< > $@

# ---- examples and benchmarks (public header + shared library only) -------
examples: $(EXAMPLES)

# headers shared by several examples (examples/common/*.h), and the example
# sources the benchmarks include, are prerequisites too
EX_COMMON := $(wildcard examples/common/*.h)
$(BINOUT)/%: examples/%.c include/snn.h $(EX_COMMON) | lib
	@mkdir -p $(@D)
	$(CC) -Iinclude $(CSTD) $(OPT) -g $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L $< -o $@ \
	  $(EX_LDFLAGS) -lsnn -lm

.SECONDEXPANSION:
$(BINOUT)/%: $$(wildcard examples/%/*.c) $$(wildcard examples/%/*.h) include/snn.h $(EX_COMMON) | lib
	@mkdir -p $(@D)
	$(CC) -Iinclude $(CSTD) $(OPT) -g $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L \
	  $(filter %.c,$^) -o $@ $(EX_LDFLAGS) -lsnn -lm

bench: $(BENCHES)
	@set -e; for b in $(BENCHES); do echo "== $$b"; $$b; done

$(BINOUT)/bench/%: bench/%.c include/snn.h $(EX_COMMON) $(wildcard examples/spikeprop/*) \
		    $(wildcard examples/mnist/*.h) | lib
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CSTD) $(OPT) -g $(WARN) $(OPENMP) $(SAN_FLAGS) $< -o $@ \
	  $(EX_LDFLAGS) -lsnn $(LDLIBS_LIB)

# ---- tests -----------------------------------------------------------------
$(BUILD)/tests/suites.h: Makefile $(TEST_SRC)
	@mkdir -p $(@D)
	@{ for n in $(TEST_NAMES); do echo "Suite *suite_$$n(void);"; done; \
	   echo "#define SNN_TEST_SUITES \\"; \
	   for n in $(TEST_NAMES); do echo "  X(suite_$$n) \\"; done; echo ""; } > $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/suites.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -I$(BUILD)/tests -Itests $(CFLAGS_ALL) -Wno-missing-prototypes \
	  $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(RUNNER): $(TEST_OBJ) $(STATIC_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $(TEST_OBJ) $(STATIC_OBJ) $(CHECK_LIBS) $(LDLIBS_LIB) -lpthread

CK_FORK ?= yes
test-unit: $(RUNNER)
	CK_FORK=$(CK_FORK) SNN_TEST_DATA=tests/data $(RUNNER)

test-header:
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/header_c.c -o $(BUILD)/tests/header_c.o
	$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/header_c.c -o $(BUILD)/tests/header_c11.o
	$(CXX) -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/header_cxx.cpp -o $(BUILD)/tests/header_cxx.o
	$(CXX) -std=c++17 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/header_cxx.cpp -o $(BUILD)/tests/header_cxx17.o
	@echo "header test: C99, C11, C++11 and C++17 compile cleanly"

test-install: lib
	bash scripts/test-install.sh

# Debian's interpreter sees Debian's python3-numpy; a PATH python3 (pyenv, venv) may not.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
test-python: lib examples
	@if command -v $(PYTHON) >/dev/null 2>&1; then \
	  SNN_LIBRARY=$(CURDIR)/$(LIBOUT)/$(SONAME) SNN_MNIST_BIN=$(CURDIR)/$(BINOUT)/mnist \
	    $(PYTHON) -m unittest discover -s bindings/python/tests -t bindings/python -v; \
	else echo "test-python: $(PYTHON) not found, skipped"; fi

test-examples: examples
	bash scripts/test-examples.sh
	bash scripts/test-readme.sh

check: deps
	$(MAKE) lib examples
	$(MAKE) test-header
	$(MAKE) test-unit
	$(MAKE) test-examples
	$(MAKE) test-install
	$(MAKE) test-python

# The sanitizer and valgrind gates run each suite as its own process, SUITE_JOBS
# at a time (scripts/run-suites.sh; logs per suite under the build tree).
SUITE_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# Whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own tree.
sanitize:
	$(MAKE) BUILD=build/asan LIBOUT=build/asan/lib BINOUT=build/asan/bin OPT=-O1 \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  build/asan/tests/runner
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  CK_FORK=yes CK_TIMEOUT_MULTIPLIER=5 SNN_TEST_DATA=tests/data scripts/run-suites.sh $(SUITE_JOBS) build/asan/logs \
	  build/asan/tests/runner
	$(MAKE) BUILD=build/asan LIBOUT=build/asan/lib BINOUT=build/asan/bin OPT=-O1 \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" lib
	@# The Python binding's suite against the sanitized library: the interpreter is not
	@# instrumented, so the runtimes are preloaded and leak detection is off (CPython
	@# keeps memory at exit); the binding's counting-allocator tests check libsnn's frees.
	@if command -v $(PYTHON) >/dev/null 2>&1; then \
	  LD_PRELOAD="$$($(CC) -print-file-name=libasan.so):$$($(CC) -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  SNN_LIBRARY=$(CURDIR)/build/asan/lib/$(SONAME) \
	    $(PYTHON) -m unittest discover -s bindings/python/tests -t bindings/python; \
	else echo "sanitize: $(PYTHON) not found, Python suite skipped"; fi

valgrind: $(RUNNER)
	CK_FORK=no SNN_TEST_DATA=tests/data SNN_TEST_QUICK=1 scripts/run-suites.sh $(SUITE_JOBS) \
	  $(BUILD)/valgrind-logs valgrind --error-exitcode=3 --leak-check=full \
	  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	  --suppressions=tests/valgrind.supp $(RUNNER)

# ThreadSanitizer run of the suite that drives distinct handles from several threads.
# Built with clang and without OpenMP: GCC 12's TSan runtime crashes at start-up on
# kernels with high mmap entropy, and libgomp is not TSan-instrumented (its own
# synchronisation would be reported as races). The OpenMP paths are covered by the
# ASan/UBSan and valgrind runs and by the thread-count determinism tests.
TSAN_CC ?= clang
tsan:
	$(MAKE) BUILD=build/tsan LIBOUT=build/tsan/lib BINOUT=build/tsan/bin OPT=-O1 CC=$(TSAN_CC) \
	  OPENMP= OPENMP_LIBS= SAN_FLAGS="-fsanitize=thread" build/tsan/tests/runner
	CK_FORK=no TSAN_OPTIONS=halt_on_error=1 SNN_TEST_DATA=tests/data build/tsan/tests/runner threads

abi-check: lib
	bash scripts/abi-check.sh $(LIBOUT)/libsnn.so $(VERSION_MAJOR).$(VERSION_MINOR)

# Regenerate the committed ABI baseline (release commits only; see docs/abi.md).
abi-baseline: lib
	abidw --out-file abi/libsnn.abi $(SHLIB)
	bash scripts/abi-check.sh --constants abi/constants.txt

docs:
	doxygen docs/Doxyfile

# ---- install ---------------------------------------------------------------
install: install-lib install-includes install-pc

# Paths are quoted: DESTDIR or PREFIX may contain spaces.
install-lib: lib
	$(INSTALL) -d "$(DESTDIR)$(LIBDIR)"
	$(INSTALL) -m 644 $(STLIB) "$(DESTDIR)$(LIBDIR)/libsnn.a"
	$(INSTALL) -m 755 $(SHLIB) "$(DESTDIR)$(LIBDIR)/$(notdir $(SHLIB))"
	ln -sf $(notdir $(SHLIB)) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf $(SONAME) "$(DESTDIR)$(LIBDIR)/libsnn.so"

install-includes:
	$(INSTALL) -d "$(DESTDIR)$(INCLUDEDIR)"
	$(INSTALL) -m 644 include/snn.h "$(DESTDIR)$(INCLUDEDIR)/snn.h"

install-pc:
	$(INSTALL) -d "$(DESTDIR)$(PKGCONFIGDIR)"
	$(PC_SED) snn.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/snn.pc"
	chmod 644 "$(DESTDIR)$(PKGCONFIGDIR)/snn.pc"

uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/libsnn.a" "$(DESTDIR)$(LIBDIR)/$(notdir $(SHLIB))" \
	      "$(DESTDIR)$(LIBDIR)/$(SONAME)" "$(DESTDIR)$(LIBDIR)/libsnn.so" \
	      "$(DESTDIR)$(INCLUDEDIR)/snn.h" "$(DESTDIR)$(PKGCONFIGDIR)/snn.pc"

# ---- set-up, data, demo ----------------------------------------------------
deps:
	@bash scripts/install-deps.sh

data: data-mnist
	@bash scripts/fetch-uci.sh data/uci

data-mnist:
	@bash scripts/fetch-mnist.sh data/mnist

# the demo needs MNIST only, so a machine that cannot reach the UCI sources
# (Debian's python3-sklearn and r-cran-mlbench) still runs it
demo: deps
	@SNN_DEPS_NPM=1 bash scripts/install-deps.sh
	$(MAKE) data-mnist
	$(MAKE) all
	bash scripts/demo.sh

clean:
	rm -rf $(BUILD) $(BINOUT) $(LIBOUT)/libsnn.* snn.pc docs/api

help:
	@echo "targets: all lib examples bench check install uninstall deps data data-mnist demo sanitize"
	@echo "         tsan valgrind abi-check abi-baseline docs fuzz fuzz-api clean"
	@echo "install variables: PREFIX DESTDIR LIBDIR INCLUDEDIR PKGCONFIGDIR (and GNU lower-case forms)"

-include fuzz/fuzz.mk
-include $(PIC_OBJ:.o=.d) $(STATIC_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
