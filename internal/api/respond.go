package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
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

// errTokenInvalid is the cause of the 401 for a token that is not (or no
// longer) valid, which the answer's challenge names.
var errTokenInvalid = errors.New("invalid token")

// errorBody is the shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the parameter or body field the error is about; null when
	// it is about no one field.
	Field *string `json:"field"`
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
	if status >= 500 && e.Code != apperr.Unavailable {
		status = http.StatusInternalServerError
	}
	if e.Code == apperr.Unauthorized {
		challenge := `Bearer realm="abri"`
		if errors.Is(err, errTokenInvalid) {
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
	// An outage's message says what is down (a full disk, the database),
	// which tells a client to try later; the cause stays in the log.
	if apperr.Status(e.Code) >= 500 && e.Code != apperr.Unavailable {
		return errorDetail{Code: string(apperr.Internal), Message: i18n.T("en", "error.internal")}
	}
	d := errorDetail{Code: string(e.Code), Message: i18n.Message("en", e)}
	if f := apperr.FieldOf(err); f != "" {
		d.Field = &f
	}
	return d
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
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return jsonError(err)
	}
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case isTooLarge(err):
		return apperr.Wrap(err, apperr.TooLarge, keyBodyTooLarge, MaxBody>>20)
	default:
		return apperr.Wrap(err, apperr.Invalid, keyJSONTrailing)
	}
	if name, ok := unknownField(raw, reflect.TypeOf(dst)); ok {
		if r := []rune(name); len(r) > 64 {
			name = string(r[:64]) + "…"
		}
		return apperr.New(apperr.Invalid, keyJSONUnknownField, name).At(name)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return jsonError(err)
	}
	return nil
}

// unknownField finds the first object key in data that the type it decodes
// into has no field for, at any depth ("colour", "boxes.0.colour" is named
// "colour"). encoding/json refuses such a key with DisallowUnknownFields but
// gives no typed error for it, and a message's wording is no contract.
func unknownField(data []byte, t reflect.Type) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return "", false // not an object: Unmarshal says what is wrong
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				// encoding/json matches names without regard to case.
				for name, f := range fields {
					if strings.EqualFold(name, k) {
						ft, ok = f, true
						break
					}
				}
			}
			if !ok {
				return k, true
			}
			if name, bad := unknownField(obj[k], ft); bad {
				return name, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return "", false
		}
		for _, it := range items {
			if name, bad := unknownField(it, t.Elem()); bad {
				return name, true
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return "", false
		}
		for _, v := range obj {
			if name, bad := unknownField(v, t.Elem()); bad {
				return name, true
			}
		}
	}
	return "", false
}

// jsonFields are the JSON names of a struct's fields and their types,
// embedded structs' fields included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
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
		return apperr.Wrap(err, apperr.Invalid, keyJSONFieldType, typ.Field).At(typ.Field)
	}
	return apperr.Wrap(err, apperr.Invalid, keyJSONInvalid)
}
