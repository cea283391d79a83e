"""FFI smoke test: the shared library loads through ctypes and its basic calls work."""
import os
import re
import threading
import unittest

import snn


class SmokeTest(unittest.TestCase):
    def test_version(self):
        v = snn.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        major, minor, patch = (int(p) for p in v.split("."))
        self.assertEqual(snn.version_number(), major * 10000 + minor * 100 + patch)
        header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "snn.h")
        with open(header) as f:
            m = re.search(r'#define SNN_VERSION_STRING "([^"]+)"', f.read())
        self.assertEqual(v, m.group(1))

    def test_strerror(self):
        self.assertEqual(snn.strerror(0), "success")
        self.assertEqual(snn.strerror(-2), "out of memory")
        self.assertEqual(snn.strerror(424242), "unknown status")
        for code in (0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -99):
            self.assertNotEqual(snn.strerror(code), "unknown status")

    def test_error_detail_per_thread(self):
        snn.library.snn_set_error(b"from main")
        seen = {}

        def worker():
            snn.library.snn_set_error(b"from worker")
            seen["worker"] = snn.last_error()

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        self.assertEqual(seen["worker"], "from worker")
        self.assertEqual(snn.last_error(), "from main")

    def test_check_raises(self):
        snn.library.snn_set_error(b"bad thing")
        with self.assertRaises(snn.Error) as ctx:
            snn.check(-1)
        self.assertEqual(ctx.exception.status, -1)
        self.assertIn("bad thing", str(ctx.exception))
        self.assertEqual(snn.check(0), 0)


if __name__ == "__main__":
    unittest.main()
