# Writes the hand-written seed programs of fuzz/fuzz_api.c into OUT_DIR.
#   usage: python3 fuzz/fuzz_api_seeds.py OUT_DIR
# The opcode numbers are read from the harness's enum, so the seeds follow it.
import os, re, sys
here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, 'fuzz_api.c')).read()
body = re.search(r'enum \{\n(.*?)OP_COUNT', src, re.S).group(1)
names = [x.strip().rstrip(',') for x in body.split('\n') if x.strip()]
OP = {n: i for i, n in enumerate(names)}
def prog(*steps):
    out = bytearray()
    for st in steps:
        name, args = st[0], st[1:]
        out.append(OP['OP_' + name]); out += bytes(args)
    return bytes(out)
QN = ('QUICK_NET', 0, 3, 2, 0x12, 7, 0, 1)
QN1 = ('QUICK_NET', 0, 3, 2, 0x10, 7, 0)
seeds = {
 'net': prog(QN, ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2), ('NET_SAVE_LOAD', 0, 0), ('NET_CLONE', 0, 1, 1),
             ('NET_RUN_SEQ', 0, 3, 0, 3, 0, 1, 2), ('NET_LOAD_BLOB', 0, 2, 0), ('NET_ACTIVITY', 0, 3, 0),
             ('NET_PREDICT', 2, 2, 0, 3, 0, 1, 2)),
 'bptt': prog(QN, ('BPTT_CREATE', 0, 0, 0, 5), ('BPTT_TRAIN_BATCH', 0, 2, 0, 0, 1, 2, 0, 0, 1, 1),
              ('BPTT_GRADIENT', 0, 2, 0, 0, 1, 2, 0, 0, 1, 0),
              ('DS_CREATE', 0, 4, 4, 1, 0, 3, 4, 0, 0, 1, 0, 1), ('LEARNER_TRAIN_EPOCH', 0, 0, 1),
              ('NET_EVALUATE', 0, 0), ('NET_SAVE_LOAD', 0, 1)),
 'stdp': prog(QN1, ('STDP_CREATE', 0, 1, 2, 0, 0, 0, 0, 0, 1),
              ('DS_CREATE', 0, 4, 4, 1, 0, 3, 4, 0, 0, 1, 0, 1), ('STDP_TRAIN', 1, 0, 0, 0),
              ('STDP_LABEL_CLASSIFY', 1, 1, 0, 0), ('STDP_LABEL_CLASSIFY', 1, 0, 2, 0, 0, 1, 2),
              ('STDP_PRESENT', 1, 0, 0, 0, 1, 2, 2, 1), ('LEARNER_SAVE_LOAD', 1, 0),
              ('STDP_CREATE', 0, 2, 2, 0, 0, 0, 0x80, 0, 0), ('STDP_TRAIN', 2, 0, 0, 0),
              ('LEARNER_SAVE_LOAD', 2, 1), ('LEARNER_LOAD_BLOB', 1, 0, 1, 2)),
 'spikeprop': prog(('MODEL_CREATE', 0, 4), ('ENC_CREATE', 0, 1), ('SP_CREATE', 0, 3, 4, 2, 0, 0, 0, 3),
                   ('SP_RUN', 0, 0, 0, 0, 1, 2, 1, 0), ('SP_TRAIN', 0, 0, 0, 0, 1, 2, 0x22, 0, 3, 4),
                   ('SP_GRADIENT', 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0), ('LEARNER_SAVE_LOAD', 0, 2),
                   ('SP_QUERY', 0, 0, 0), ('DS_CREATE', 0, 4, 3, 1, 9, 3, 4, 0, 0, 1, 0, 1),
                   ('LEARNER_TRAIN_EPOCH', 0, 0, 0), ('SP_CLASSIFY', 0, 1, 0),
                   ('SP_CREATE', 1, 3, 4, 2, 0, 0, 0, 0),
                   ('SP_CLASSIFY', 1, 0, 2, 0, 0, 1, 2)),
 'spnet': prog(('MODEL_CREATE', 0, 0), ('SPNET_CREATE', 0, 0, 0), ('SPNET_ADD_POP', 0, 9, 1, 0),
               ('SPNET_ADD_POP', 0, 4, 1, 0), ('SPNET_CONNECT', 0, 0, 1, 0, 0, 30, 1, 0, 1),
               ('SPNET_CONNECT', 0, 1, 2, 0, 2, 10, 2, 1, 0),
               ('SPNET_POP_SET', 0, 0, 5, 11), ('SPNET_STATE', 0, 0, 0, 2, 0, 29, 30),
               ('SPNET_RUN', 0, 20, 4), ('SPNET_QUERY', 0, 0, 0, 5, 0), ('SPNET_SAVE_LOAD', 0, 0),
               ('SPNET_LOAD_BLOB', 1, 0, 0), ('SPNET_RUN', 1, 20, 4), ('SPNET_RESET', 0)),
 'enc_pop': prog(('ENC_CREATE', 0, 0), ('ENC_ENCODE', 0, 4, 5, 0, 0, 1, 2), ('ENC_CREATE', 1, 3),
                 ('ENC_SPIKE_TIMES', 1, 3, 0, 0, 1, 2), ('ENC_CREATE', 2, 4), ('ENC_ENCODE', 2, 3, 4, 0, 0, 1, 2),
                 ('ENC_SET', 0, 0, 17, 0), ('MODEL_PRESET', 1, 2, 0), ('POP_CREATE', 0, 8, 1),
                 ('POP_STEP', 0, 0, 0x23, 5, 0, 0, 10, 0), ('POP_STATE_GET', 0, 1, 1, 0),
                 ('POP_STATE_SET', 0, 1, 0, 0, 0, 1, 2, 0), ('POP_RESET', 0)),
 'nir': prog(QN1, ('NET_NIR', 0, 10, 1), ('NET_PREDICT', 1, 2, 0, 3, 0, 1, 2), ('NET_SAVE_LOAD', 1, 0)),
 'conv': prog(('MODEL_PRESET', 0, 0, 1), ('NET_CREATE', 0, 1, 5, 5), ('LAYER_AUTO', 0, 0, 2, 0, 1, 1, 0, 0, 0),
              ('LAYER_AUTO', 0, 0, 3, 0, 0, 0, 0, 0), ('LAYER_AUTO', 0, 0, 0, 0, 3, 0),
              ('NET_INIT_WEIGHTS', 0, 1, 2, 3, 4, 5, 6, 7, 8), ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2),
              ('NET_SAVE_LOAD', 0, 0), ('BPTT_CREATE', 0, 0, 0, 1), ('BPTT_TRAIN_BATCH', 0, 2, 0, 0, 1, 2, 0, 0, 1, 1)),
 'custom': prog(('MODEL_CUSTOM', 0, 0), ('QUICK_NET', 0, 3, 2, 0x12, 0, 0, 1), ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2),
                ('NET_SAVE_LOAD', 0, 0), ('BPTT_CREATE', 0, 0, 0, 1), ('BPTT_TRAIN_BATCH', 0, 2, 0, 0, 1, 2, 0, 0, 1, 1),
                ('CB_FAIL', 2), ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2), ('SPNET_CREATE', 0, 0, 0), ('SPNET_ADD_POP', 0, 9, 1, 0),
                ('SPNET_RUN', 0, 20, 4), ('CB_FAIL', 0), ('SPNET_SAVE_LOAD', 0, 0)),
 'oom': prog(QN, ('FAIL_ALLOC', 3, 0), ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2), ('FAIL_ALLOC', 1, 1),
             ('NET_CLONE', 0, 1, 0), ('FAIL_ALLOC', 2, 0), ('BPTT_CREATE', 0, 0, 0, 5), ('NET_SAVE_LOAD', 0, 0)),
}
seeds['wide_rate'] = prog(('QUICK_NET', 0, 7, 2, 0x32, 7, 1 | 4 | 8, 5, 2), ('NET_PREDICT', 0, 2, 0, 3, 0, 1, 2),
   ('BPTT_CREATE', 0, 0, 0, 5), ('QUICK_DS', 0, 0, 5, 0, 1, 2, 0, 1, 0, 1, 0, 1),
   ('LEARNER_TRAIN_EPOCH', 0, 0, 1), ('BPTT_GRADIENT', 0, 2, 0, 0, 1, 2, 0, 0, 1, 0), ('NET_SAVE_LOAD', 0, 0),
   ('NET_EVALUATE', 0, 0), ('NET_RUN_SEQ', 0, 3, 0, 3, 0, 1, 2))
seeds['mem_readout'] = prog(('QUICK_NET', 0, 5, 3, 0x22, 7, 3 | 16 | 32, 1), ('BPTT_CREATE', 0, 0, 0x08, 2, 5),
   ('QUICK_DS', 0, 0, 3, 0, 1, 2, 0, 1, 0, 1), ('LEARNER_TRAIN_EPOCH', 0, 0, 0), ('NET_SAVE_LOAD', 0, 0))
out = sys.argv[1] if len(sys.argv) > 1 else 'seeds'
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, k), 'wb') as f:
        f.write(v)
print(len(OP), 'opcodes,', len(seeds), 'seeds in', out)
