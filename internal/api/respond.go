package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"abri/internal/apperr"
	"abri/internal/i18n"
	"abri/internal/stock"
)

// Message keys the API itself uses.
const (
	keyTokenMissing     = "api.token_missing"
	keyTokenInvalid     = "api.token_invalid"
	keyMethodNotAllowed = "api.method_not_allowed"
	keyBodyTooLarge     = "api.body_too_large"
	keyBodyEmpty        = "api.body_empty"
	keyJSONInvalid      = "api.json_invalid"
	keyJSONObject       = "api.json_object"
	keyJSONFieldType    = "api.json_field_type"
	keyJSONUnknownField = "api.json_unknown_field"
	keyJSONTrailing     = "api.json_trailing"
)

// errorBody is the shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Current is the box as it is now, on the 409 of a box saved by
	// someone else since the client read it.
	Current *boxBody `json:"current,omitempty"`
}

// writeError logs an internal error (the route and the error text, never the
// request's data) and answers it with WriteError.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.Status(apperr.CodeOf(err)) >= 500 {
		a.log.ErrorContext(r.Context(), "api: internal error", "route", r.Pattern, "method", r.Method, "err", err.Error())
	}
	WriteError(w, r, err)
}

// WriteError is the one place an error becomes a JSON answer: the status
// comes from the error's code and the message is the English text of its
// key. An internal error is answered with a generic message; its cause stays
// for the caller to log (WriteError does not log).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	status, detail := apperr.Status(e.Code), detailOf(err)
	if e.Key == keyMethodNotAllowed {
		// apperr has no code for this; the API answers it as HTTP does.
		status = http.StatusMethodNotAllowed
	}
	if status >= 500 {
		status = http.StatusInternalServerError
	}
	if e.Code == apperr.Unauthorized {
		challenge := `Bearer realm="abri"`
		if e.Key == keyTokenInvalid {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	var stale *stock.StaleError
	if e.Code == apperr.Conflict && errors.As(err, &stale) {
		cur := boxOf(stale.Current)
		detail.Current = &cur
	}
	b, _ := json.Marshal(errorBody{detail})
	writeBytes(w, status, b)
}

// detailOf is an error's code and English message, as the API shows them:
// an internal error's cause is never shown.
func detailOf(err error) errorDetail {
	e := apperr.As(err)
	code, key, args := string(e.Code), e.Key, e.Args
	switch {
	case e.Key == keyMethodNotAllowed:
		code = "method_not_allowed"
	case apperr.Status(e.Code) >= 500:
		code, key, args = string(apperr.Internal), "error.internal", nil
	}
	msg := i18n.T("en", key, args...)
	if key == e.Key {
		msg = i18n.Message("en", e)
	}
	return errorDetail{Code: code, Message: msg}
}

// writeJSON answers with v as JSON.
func (a *api) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("encode answer: %w", err))
		return
	}
	writeBytes(w, status, b)
}

func writeBytes(w http.ResponseWriter, status int, b []byte) {
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// MaxBody is the largest JSON request body the API reads, 1 MiB.
const MaxBody = 1 << 20

// decodeJSON reads a request body holding exactly one JSON value into dst.
// It is strict: a field dst does not have, a value of the wrong type, or
// anything after the value is a 400; a body over MaxBody is a 413. The errors
// are apperr errors to return from a handler as they are.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength > MaxBody {
		return apperr.New(apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case isTooLarge(err):
		return apperr.Wrap(err, apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
	default:
		return apperr.Wrap(err, apperr.Invalid, keyJSONTrailing)
	}
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// jsonError turns a decoding error into a message a client can act on.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case isTooLarge(err):
		return apperr.Wrap(err, apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
	case errors.Is(err, io.EOF):
		return apperr.Wrap(err, apperr.Invalid, keyBodyEmpty)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Wrap(err, apperr.Invalid, keyJSONInvalid)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.Wrap(err, apperr.Invalid, keyJSONObject)
		}
		return apperr.Wrap(err, apperr.Invalid, keyJSONFieldType, typ.Field)
	}
	// encoding/json has no type for this one; its text is stable:
	// json: unknown field "name".
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			if r := []rune(n); len(r) > 64 {
				n = string(r[:64]) + "…"
			}
			return apperr.Wrap(err, apperr.Invalid, keyJSONUnknownField, n)
		}
	}
	return apperr.Wrap(err, apperr.Invalid, keyJSONInvalid)
}
