package account

// SetBeforeCheck makes fn run before each password check of s, so a test can
// hold checks in flight.
func SetBeforeCheck(s *Service, fn func()) { s.beforeCheck = fn }
