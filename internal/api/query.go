package api

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/i18n"
)

// Message keys of query-string errors. Each names the parameter, so a
// client sees which one to fix.
const (
	keyQueryInvalid  = "api.query_invalid"
	keyQueryUnknown  = "api.query_unknown"
	keyQueryRepeated = "api.query_repeated"
	keyQueryInteger  = "api.query_integer"
	keyLimitRange    = "api.limit_range"
)

// params is a request's query string, read strictly: a parameter the route
// does not know, one given twice where once is meant, or a malformed value
// is a 400 that names it. A silently ignored typo (stat=lost) would answer
// the wrong list, so it is refused.
type params struct{ v url.Values }

func readParams(r *http.Request, known ...string) (params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return params{}, apperr.Wrap(err, apperr.Invalid, keyQueryInvalid)
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !slices.Contains(known, k) {
			return params{}, apperr.New(apperr.Invalid, keyQueryUnknown, clip(k)).At(clip(k))
		}
	}
	return params{v}, nil
}

// clip shortens a client's text before it goes into a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 64 {
		return string([]rune(s)[:64]) + "…"
	}
	return s
}

// str is a parameter given at most once, trimmed; "" when absent.
func (p params) str(name string) (string, error) {
	vs := p.v[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vs[0]), nil
	}
	return "", apperr.New(apperr.Invalid, keyQueryRepeated, name).At(name)
}

// has tells whether the parameter was given.
func (p params) has(name string) bool { _, ok := p.v[name]; return ok }

// list is a parameter that may be repeated and may hold several values
// separated by commas: state=in_stock&state=reserved or
// state=in_stock,reserved. Empty values are dropped.
func (p params) list(name string) []string {
	var out []string
	for _, v := range p.v[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// limit is a page size from 1 to max; def when absent. 0 is refused rather
// than taken for "the default", so a client's bug shows.
func (p params) limit(def, max int) (int, error) {
	s, err := p.str("limit")
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, apperr.New(apperr.Invalid, keyLimitRange, max)
	}
	return n, nil
}

// langOf is the language of what a person will read from a download (an
// export's headers, a label): the user's own, else the client's
// Accept-Language. Error messages stay in English.
func langOf(r *http.Request, p account.Principal) string {
	if p.User.Lang != "" && i18n.Supported(p.User.Lang) {
		return p.User.Lang
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}
