package people

// SetNewCode makes card codes with f until the returned function restores
// the random ones.
func SetNewCode(f func() string) (restore func()) {
	old := newCode
	newCode = f
	return func() { newCode = old }
}
