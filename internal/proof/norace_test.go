//go:build !race

package proof_test

const raceBuild = false
