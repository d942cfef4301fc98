package incident

// ShareableForTest is the shareable copy of a JPEG, for the tests.
func ShareableForTest(b []byte) ([]byte, error) { return shareable(b, "image/jpeg") }

// OrientForTest is orient, for the benchmarks.
var OrientForTest = orient
