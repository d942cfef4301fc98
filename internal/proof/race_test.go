//go:build race

package proof_test

// raceBuild tells the tests they run under the race detector, so the abri
// binary they build is built the same way (and reuses the compiled packages).
const raceBuild = true
