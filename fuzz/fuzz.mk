# Fuzzing (libFuzzer): included by the top-level Makefile (`include fuzz/fuzz.mk`).
#
#   make fuzz                  build the fuzzers, generate the seed corpora, run each
#                              fuzzer for FUZZ_SECONDS seconds (default 60)
#   make fuzz FUZZ_SECONDS=600
#   make fuzz FUZZ_JOBS=1      one fuzzer at a time (default: one per core)
#   make fuzz-build            build only
#   make fuzz-regress          replay the committed regression inputs (fuzz/regress/*/) once
#   make fuzz-api              the API-sequence fuzzer (fuzz/fuzz_api.c): programs of public
#                              calls on tiny objects, with contract checks (save/load and clone
#                              behave bitwise the same, failed creates leave *out NULL, ...);
#                              runs FUZZ_API_SECONDS (default 600) on FUZZ_JOBS workers. Not in
#                              `make fuzz`/CI: it compiles the library a second time, without
#                              FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so its findings
#                              reproduce against the normal build.
#
# Needs clang with the libFuzzer runtime (Debian/Ubuntu: clang, libclang-rt-14-dev).
# The library sources are compiled again with -fsanitize=fuzzer-no-link,address,undefined
# and -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (which makes the model loader skip CRC
# checks so mutated payloads reach the parsers). Crashes are written to
# $(FUZZ_BUILD)/artifacts/; the growing corpora live in $(FUZZ_BUILD)/corpus/ (not committed).

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD ?= build/fuzz
FUZZ_RSS_MB ?= 2048
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -g -O1 -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
               -Iinclude -Isrc/core -D_POSIX_C_SOURCE=200809L $(BLAS_CFLAGS) $(HDF5_DEFS)
FUZZ_LIBS := $(BLAS_LIBS) $(HDF5_LIBS) -lm
# nir: libsnn's NIR graph mapping (no libhdf5 in the loop). nir_h5: the whole NIR
# loader on HDF5 images; opt-in (FUZZ_NIR_HDF5=1) because libhdf5 itself hangs on
# some mutated files (see fuzz/fuzz_nir_h5.c and docs/nir.md).
FUZZ_NAMES := model idx csv nir $(if $(and $(HDF5_LIBS),$(filter 1,$(FUZZ_NIR_HDF5))),nir_h5)
FUZZ_SRC := $(sort $(wildcard src/*/*.c))
FUZZ_OBJ := $(FUZZ_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-regress

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_file.h $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< $(FUZZ_OBJ) -o $@ $(FUZZ_LIBS)

$(FUZZ_BUILD)/make_seeds: fuzz/make_seeds.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $< $(FUZZ_OBJ) -o $@ $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS) $(FUZZ_BUILD)/make_seeds

# Seed corpora are generated, not committed (fuzz/regress/ holds crash reproducers).
fuzz-seeds: $(FUZZ_BUILD)/make_seeds
	@mkdir -p $(FUZZ_NAMES:%=$(FUZZ_BUILD)/seeds/%) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/corpus/%)
	$(FUZZ_BUILD)/make_seeds $(FUZZ_BUILD)/seeds
	$(if $(filter nir_h5,$(FUZZ_NAMES)),cp tests/fixtures/nir/lif_norse.nir tests/fixtures/nir/two_lif_neurons.nir \
	  tests/fixtures/nir/braille_noDelay_bias_zero_subgraph.nir $(FUZZ_BUILD)/seeds/nir_h5/)

# The fuzzers run FUZZ_JOBS at a time (one core each); each one's output goes to
# $(FUZZ_BUILD)/logs/NAME.log, printed whole when it finds something, else its final stats.
fuzz: fuzz-build fuzz-seeds
	@mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_BUILD)/logs
	@printf '%s\n' $(FUZZ_NAMES) | xargs -P $(FUZZ_JOBS) -I '{}' sh -c ' \
	  n=$$1; log=$(FUZZ_BUILD)/logs/$$n.log; \
	  dict=; if [ -f fuzz/$$n.dict ]; then dict=-dict=fuzz/$$n.dict; fi; \
	  maxlen=16384; if [ $$n = nir_h5 ]; then maxlen=65536; fi; \
	  echo "== fuzz_$$n for $(FUZZ_SECONDS) s"; \
	  if $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MB) \
	    -timeout=10 -max_len=$$maxlen -print_final_stats=1 $$dict \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- \
	    $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/seeds/$$n $$(ls -d fuzz/regress/$$n 2>/dev/null) \
	    >$$log 2>&1; then \
	    echo "== fuzz_$$n: nothing found"; grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss)" $$log; \
	  else \
	    echo "== fuzz_$$n FAILED:"; cat $$log; exit 1; \
	  fi' sh '{}'

fuzz-regress: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
	  if [ -d fuzz/regress/$$n ] && [ -n "$$(ls fuzz/regress/$$n)" ]; then \
	    $(FUZZ_BUILD)/fuzz_$$n -runs=1 fuzz/regress/$$n/*; fi; \
	done

-include $(FUZZ_OBJ:.o=.d)

# ---- API-sequence fuzzer ----------------------------------------------------
FUZZ_API_SECONDS ?= 600
FUZZ_API_CFLAGS := -std=c11 -g -O1 -Iinclude -Isrc/core -D_POSIX_C_SOURCE=200809L $(BLAS_CFLAGS) $(HDF5_DEFS)
FUZZ_API_OBJ := $(FUZZ_SRC:src/%.c=$(FUZZ_BUILD)/api-obj/%.o)

$(FUZZ_BUILD)/api-obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_API_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_api: fuzz/fuzz_api.c $(FUZZ_API_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_API_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< $(FUZZ_API_OBJ) -o $@ $(FUZZ_LIBS)

.PHONY: fuzz-api fuzz-api-build
fuzz-api-build: $(FUZZ_BUILD)/fuzz_api

fuzz-api: fuzz-api-build
	@mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_BUILD)/corpus/api
	python3 fuzz/fuzz_api_seeds.py $(FUZZ_BUILD)/seeds/api
	ASAN_OPTIONS=allocator_may_return_null=1 $(FUZZ_BUILD)/fuzz_api -jobs=$(FUZZ_JOBS) \
	  -workers=$(FUZZ_JOBS) -max_total_time=$(FUZZ_API_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MB) \
	  -timeout=10 -max_len=2048 -artifact_prefix=$(FUZZ_BUILD)/artifacts/api- \
	  $(FUZZ_BUILD)/corpus/api $(FUZZ_BUILD)/seeds/api

-include $(FUZZ_API_OBJ:.o=.d)
