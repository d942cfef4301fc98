package api

import (
	_ "embed"
	"net/http"

	"abri/internal/account"
)

// openAPIDocument describes the API. It is written by hand; a test checks it
// against the route table and the handlers' answers.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the embedded OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

// openAPI answers GET /api/v1/openapi.json.
func (a *api) openAPI(w http.ResponseWriter, r *http.Request, _ account.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDocument)
	return nil
}
