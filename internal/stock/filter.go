package stock

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"abri/internal/apperr"
	"abri/internal/catalog"
)

// The box list's filter as a query string, read the same way by the box
// list screen (its GET form, its next-page and export links) and by the API
// (GET /api/v1/boxes): the same parameter names, the same handling of
// repeated and comma-separated values, the same errors, each naming its
// parameter in Field.

// FilterParams are the query parameters ParseFilter reads.
var FilterParams = []string{"product", "category", "gender", "size", "location", "state", "tag",
	"created_from", "created_to", "cursor", "limit"}

// ParseFilter reads a box-list filter from a query string. state may be
// repeated and may hold several states separated by commas
// (state=in_stock,reserved); every other parameter is given at most once.
// created_from and created_to take a date (YYYY-MM-DD, a day in UTC;
// created_to includes that day) or an RFC 3339 time. limit is a page size
// from 1 to MaxLimit; absent, the list's default. An error is an
// *apperr.Error whose Field is the parameter to fix.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	one := func(name string) (string, error) {
		switch vs := q[name]; len(vs) {
		case 0:
			return "", nil
		case 1:
			return strings.TrimSpace(vs[0]), nil
		}
		return "", apperr.New(apperr.Invalid, "stock.error.filter_repeated", name).At(name)
	}
	id := func(name string) (int64, error) {
		s, err := one(name)
		if err != nil || s == "" {
			return 0, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, apperr.New(apperr.Invalid, "stock.error.filter_choice", clip(s)).At(name)
		}
		return n, nil
	}
	moment := func(name string, endOfDay bool) (time.Time, error) {
		s, err := one(name)
		if err != nil || s == "" {
			return time.Time{}, err
		}
		if d, err := time.Parse("2006-01-02", s); err == nil {
			if endOfDay {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, apperr.New(apperr.Invalid, "stock.error.filter_date", clip(s)).At(name)
		}
		return t.UTC(), nil
	}
	var err error
	if f.ProductID, err = id("product"); err != nil {
		return f, err
	}
	if f.CategoryID, err = id("category"); err != nil {
		return f, err
	}
	if f.LocationID, err = id("location"); err != nil {
		return f, err
	}
	if f.Gender, err = one("gender"); err != nil {
		return f, err
	}
	if !catalog.ValidGender(f.Gender) {
		return f, apperr.New(apperr.Invalid, "stock.error.filter_gender", clip(f.Gender), strings.Join(catalog.Genders[1:], ", ")).At("gender")
	}
	if f.Size, err = one("size"); err != nil {
		return f, err
	}
	if f.Tag, err = one("tag"); err != nil {
		return f, err
	}
	if f.States, err = ParseStates(q); err != nil {
		return f, err
	}
	if f.CreatedFrom, err = moment("created_from", false); err != nil {
		return f, err
	}
	if f.CreatedTo, err = moment("created_to", true); err != nil {
		return f, err
	}
	if f.Cursor, err = one("cursor"); err != nil {
		return f, err
	}
	limit, err := one("limit")
	if err != nil {
		return f, err
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxLimit {
			return f, apperr.New(apperr.Invalid, "stock.error.limit_range", MaxLimit).At("limit")
		}
		f.Limit = n
	}
	return f, nil
}

// ParseStates reads the repeatable state parameter, each value one state or
// several separated by commas, each state once in the order given.
func ParseStates(q url.Values) ([]State, error) {
	var out []State
	seen := map[State]bool{}
	for _, v := range q["state"] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st, err := ParseState(s)
			if err != nil {
				return nil, apperr.As(err).At("state")
			}
			if !seen[st] {
				seen[st] = true
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// Query is the filter as ParseFilter reads it, without cursor and limit:
// the address of the same list for a next page, an export or a form.
func (f Filter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	id := func(k string, n int64) {
		if n != 0 {
			q.Set(k, strconv.FormatInt(n, 10))
		}
	}
	id("product", f.ProductID)
	id("category", f.CategoryID)
	set("gender", f.Gender)
	set("size", f.Size)
	id("location", f.LocationID)
	for _, st := range f.States {
		q.Add("state", string(st))
	}
	set("tag", f.Tag)
	day := func(t time.Time, back int) string {
		if t.IsZero() {
			return ""
		}
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.AddDate(0, 0, -back).Format("2006-01-02")
		}
		return t.Format(time.RFC3339Nano)
	}
	set("created_from", day(f.CreatedFrom, 0))
	set("created_to", day(f.CreatedTo, 1))
	return q
}
