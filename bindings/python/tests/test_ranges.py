"""Dataset.feature_ranges() and Dataset.normalize(ranges=...): saved min-max ranges."""
import unittest

import snn

from .support import needs_numpy

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


@needs_numpy
class FeatureRangesTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(7)
        self.xr = (rng.random((41, 5)) * 9.0 - 3.7).astype(np.float32)
        self.xr[:, 4] = 0.3  # a constant feature
        # new data partly outside the training ranges (clamped to [0, 1])
        self.xd = (rng.random((19, 5)) * 20.0 - 10.0).astype(np.float32)

    def test_known_ranges(self):
        x = np.array([[0, 5, 2], [-1, 5, -7.5], [1, 5, 4], [3, 5, 0.25]], dtype=np.float32)
        d = snn.Dataset(x)
        lo, hi = d.feature_ranges()
        self.assertEqual(lo.dtype, np.float32)
        self.assertEqual(hi.dtype, np.float32)
        self.assertEqual(lo.shape, (3,))
        np.testing.assert_array_equal(lo, [-1, 5, -7.5])
        np.testing.assert_array_equal(hi, [3, 5, 4])
        np.testing.assert_array_equal(d.x, x)  # not changed

    def test_ranges_equal_ref_bitwise(self):
        ref = snn.Dataset(self.xr)
        a = snn.Dataset(self.xd)
        b = snn.Dataset(self.xd)
        lo, hi = ref.feature_ranges()
        self.assertIs(a.normalize(ref), a)
        self.assertIs(b.normalize(ranges=(lo, hi)), b)
        self.assertEqual(a.x.tobytes(), b.x.tobytes())
        xb = b.x
        self.assertTrue((xb[:, 4] == 0).all())
        self.assertTrue((xb >= 0).all() and (xb <= 1).all())
        self.assertTrue((xb == 0).any() and (xb == 1).any())
        # ranges as plain lists, e.g. read back from a saved JSON file
        c = snn.Dataset(self.xd)
        c.normalize(ranges=(lo.tolist(), hi.tolist()))
        self.assertEqual(c.x.tobytes(), a.x.tobytes())
        # self as reference
        s1, s2 = snn.Dataset(self.xr), snn.Dataset(self.xr)
        s1.normalize()
        s2.normalize(ranges=s2.feature_ranges())
        self.assertEqual(s1.x.tobytes(), s2.x.tobytes())

    def test_refusals_leave_data_unchanged(self):
        d = snn.Dataset(self.xd)
        ref = snn.Dataset(self.xr)
        lo, hi = ref.feature_ranges()
        before = d.x.tobytes()
        with self.assertRaises(TypeError):
            d.normalize(ref, ranges=(lo, hi))
        with self.assertRaises(TypeError):
            d.normalize(ranges=lo)
        with self.assertRaises(TypeError):
            d.normalize(ranges=(lo, hi, hi))
        with self.assertRaises(snn.InvalidError):
            d.normalize(ranges=(lo[:4], hi))
        with self.assertRaises(snn.InvalidError):
            d.normalize(ranges=(lo, np.append(hi, 1.0)))
        for bad in (np.nan, np.inf, -np.inf):
            l2 = lo.copy()
            l2[3] = bad
            with self.assertRaisesRegex(snn.InvalidError, r"min\[3\]"):
                d.normalize(ranges=(l2, hi))
            h2 = hi.copy()
            h2[4] = bad
            with self.assertRaisesRegex(snn.InvalidError, r"max\[4\]"):
                d.normalize(ranges=(lo, h2))
        h3 = hi.copy()
        h3[4] = lo[4] - 1
        with self.assertRaisesRegex(snn.RangeError, r"max\[4\]"):
            d.normalize(ranges=(lo, h3))
        self.assertEqual(d.x.tobytes(), before)


if __name__ == "__main__":
    unittest.main()


@needs_numpy
class SpikepropInputRangesTest(unittest.TestCase):
    """Learner.set_spikeprop_input_ranges(): raw features in, the same results as
    scaled features, and the ranges survive save_mem/load_mem."""

    def setUp(self):
        rng = np.random.default_rng(3)
        y = (np.arange(40) % 2).astype(np.int32)
        base = np.where(y[:, None] == 1, 0.7, 0.3) + 0.25 * (rng.random((40, 2)) - 0.5)
        self.raw = np.column_stack([250 + 400 * base[:, 0], -3 + 0.02 * base[:, 1]])
        self.raw = self.raw.astype(np.float32)
        self.y = y

    def learner(self):
        enc = snn.Encoder("population")
        enc.set("m", 6)
        return snn.Learner.spikeprop(13, 4, 2, encoder=enc, bias=1, seed=5, terminals=8)

    def test_raw_equals_scaled_and_survives_a_reload(self):
        raw = snn.Dataset(self.raw, self.y)
        lo, hi = raw.feature_ranges()
        scaled = snn.Dataset(self.raw, self.y).normalize(ranges=(lo, hi))
        a, b = self.learner(), self.learner()
        self.assertIsNone(b.spikeprop_input_ranges())
        b.set_spikeprop_input_ranges((lo, hi))
        for _ in range(3):
            self.assertEqual(a.train_epoch(scaled), b.train_epoch(raw))
        la, ta = a.spikeprop_classify(scaled.get()[0])
        lb, tb = b.spikeprop_classify(self.raw)
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(ta, tb)
        c, net = snn.Learner.load_mem(b.save_mem())
        self.assertIsNone(net)
        rlo, rhi = c.spikeprop_input_ranges()
        np.testing.assert_array_equal(rlo, lo)
        np.testing.assert_array_equal(rhi, hi)
        lc, tc = c.spikeprop_classify(self.raw)
        np.testing.assert_array_equal(lc, lb)
        np.testing.assert_array_equal(tc, tb)
        b.set_spikeprop_input_ranges(None)
        self.assertIsNone(b.spikeprop_input_ranges())
        self.assertEqual(b.save_mem(), a.save_mem())

    def test_refusals_leave_the_learner_unchanged(self):
        b = self.learner()
        b.set_spikeprop_input_ranges(([0, 0], [1, 1]))
        with self.assertRaises(snn.InvalidError):
            b.set_spikeprop_input_ranges(([0, 0, 0], [1, 1, 1]))
        with self.assertRaises(snn.InvalidError):
            b.set_spikeprop_input_ranges(([0, float("nan")], [1, 1]))
        with self.assertRaises(snn.RangeError):
            b.set_spikeprop_input_ranges(([0, 2], [1, 1]))
        with self.assertRaises(TypeError):
            b.set_spikeprop_input_ranges("01")
        lo, hi = b.spikeprop_input_ranges()
        np.testing.assert_array_equal(lo, [0, 0])
        np.testing.assert_array_equal(hi, [1, 1])
        no_encoder = snn.Learner.spikeprop(3, 2, 1)
        with self.assertRaises(snn.InvalidError):
            no_encoder.set_spikeprop_input_ranges(([0, 0], [1, 1]))
