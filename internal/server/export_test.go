package server

import "net/http"

// HandleForTest adds a route to the server's own mux, inside every
// middleware, so tests can try panics, slow requests and large bodies.
func (s *Server) HandleForTest(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }
