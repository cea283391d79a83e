/* Distinct handles used from several threads at once (thread-safety contract,
 * docs/errors.md). Run under ThreadSanitizer by `make tsan`; in the normal suite
 * it also checks that results do not depend on which thread computed them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define N_THREADS 4
#define N_IN 16
#define N_SAMPLES 8

typedef struct job {
  int id;
  int status;
  float scores[N_SAMPLES * 3], scores2[N_SAMPLES * 3];
  float spikes_v[32];
  char err[64];
} job;

static void make_inputs(float *x, int32_t *y) {
  for (int s = 0; s < N_SAMPLES; s++) {
    for (int i = 0; i < N_IN; i++) x[s * N_IN + i] = (float)((s * 7 + i * 3) % 11) / 10.0f;
    y[s] = s % 3;
  }
}

static void *worker(void *p) {
  job *j = p;
  snn_neuron_model *m = NULL;
  snn_population *pop = NULL;
  snn_encoder *enc = NULL;
  snn_network *net = NULL;
  snn_layer *l1 = NULL, *l2 = NULL;
  snn_learner *lr = NULL;
  float x[N_SAMPLES * N_IN];
  int32_t y[N_SAMPLES];
  make_inputs(x, y);
  int rc = snn_neuron_model_create(&m, "lif");
  if (!rc) rc = snn_neuron_model_set(m, "V_th", -50.0);
  /* a population */
  if (!rc) rc = snn_population_create(&pop, m, 32);
  float cur[32];
  for (int i = 0; i < 32; i++) cur[i] = 200.0f + 20.0f * (float)i;
  for (int t = 0; !rc && t < 500; t++) rc = snn_population_step(pop, NULL, cur, 32, 0.1);
  if (!rc) rc = snn_population_state_get(j->spikes_v, pop, "V", 32);
  /* a small network with a rate encoder, trained for two batches */
  if (!rc) rc = snn_encoder_create(&enc, "rate");
  if (!rc) rc = snn_encoder_seed(enc, 5);
  if (!rc) rc = snn_network_create(&net, 1, 1, N_IN);
  if (!rc) rc = snn_network_set_encoder(net, enc);
  if (!rc) rc = snn_network_set(net, "steps", 8);
  if (!rc) rc = snn_layer_create_dense(&l1, N_IN, 10, m);
  if (!rc) rc = snn_network_add_layer(net, l1);
  if (!rc) l1 = NULL;
  if (!rc) rc = snn_layer_create_dense(&l2, 10, 3, m);
  if (!rc) rc = snn_network_add_layer(net, l2);
  if (!rc) l2 = NULL;
  if (!rc) rc = snn_network_init_weights(net, 11);
  if (!rc) rc = snn_learner_create_bptt(&lr, net, NULL);
  for (int b = 0; !rc && b < 2; b++) rc = snn_learner_train_batch(lr, NULL, x, y, N_SAMPLES, N_IN);
  if (!rc) rc = snn_network_predict(net, NULL, j->scores, x, N_SAMPLES, N_IN);
  /* a save and a load (their CRC-32 table is shared: it was once filled by
   * whichever thread came first, racing with the others' reads) */
  size_t size = 0;
  void *buf = NULL;
  snn_network *net2 = NULL;
  if (!rc && (rc = snn_network_save_mem(&size, net, NULL, 0)) == SNN_E_RANGE) rc = SNN_OK;
  if (!rc && !(buf = malloc(size))) rc = SNN_E_NOMEM;
  if (!rc) rc = snn_network_save_mem(&size, net, buf, size);
  if (!rc) rc = snn_network_load_mem(&net2, buf, size);
  if (!rc) rc = snn_network_predict(net2, NULL, j->scores2, x, N_SAMPLES, N_IN);
  snn_network_free(net2);
  free(buf);
  /* errors are per thread: provoke one with this thread's id in it */
  if (!rc) {
    char name[32];
    snprintf(name, sizeof name, "no_such_%d", j->id);
    snn_neuron_model_set(m, name, 1.0);
    snprintf(j->err, sizeof j->err, "%s", snn_last_error());
  }
  j->status = rc;
  snn_learner_free(lr);
  snn_network_free(net);
  snn_layer_free(l1);
  snn_layer_free(l2);
  snn_encoder_free(enc);
  snn_population_free(pop);
  snn_neuron_model_free(m);
  return NULL;
}

START_TEST(test_distinct_handles_concurrently) {
  job jobs[N_THREADS];
  pthread_t th[N_THREADS];
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < N_THREADS; i++) {
    jobs[i].id = i;
    ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
  }
  for (int i = 0; i < N_THREADS; i++) pthread_join(th[i], NULL);
  job ref;
  memset(&ref, 0, sizeof ref);
  ref.id = 99;
  worker(&ref); /* same work on this thread alone */
  ck_assert_msg(ref.status == SNN_OK, "reference run failed: %s", snn_strerror(ref.status));
  for (int i = 0; i < N_THREADS; i++) {
    ck_assert_msg(jobs[i].status == SNN_OK, "thread %d: %s", i, snn_strerror(jobs[i].status));
    ck_assert(memcmp(jobs[i].scores, ref.scores, sizeof ref.scores) == 0);
    ck_assert(memcmp(jobs[i].scores2, ref.scores, sizeof ref.scores) == 0);
    ck_assert(memcmp(jobs[i].spikes_v, ref.spikes_v, sizeof ref.spikes_v) == 0);
    char want[32];
    snprintf(want, sizeof want, "no_such_%d", i);
    ck_assert_msg(strstr(jobs[i].err, want) != NULL, "thread %d saw error '%s'", i, jobs[i].err);
  }
}
END_TEST

Suite *suite_threads(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("threads");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_distinct_handles_concurrently);
  suite_add_tcase(s, tc);
  return s;
}
