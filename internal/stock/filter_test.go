package stock_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/stock"
)

// One reading of the box filter for the screen and the API: names,
// repeated and comma-separated states, dates that include their last day,
// and errors that name the parameter.
func TestParseFilter(t *testing.T) {
	q, _ := url.ParseQuery("product=7&category=3&gender=male&size=+M+&location=9&state=in_stock,reserved&state=in_stock" +
		"&tag=winter&created_from=2026-03-01&created_to=2026-03-14&cursor=abc&limit=20")
	f, err := stock.ParseFilter(q)
	if err != nil {
		t.Fatal(err)
	}
	want := stock.Filter{ProductID: 7, CategoryID: 3, Gender: "male", Size: "M", LocationID: 9,
		States: []stock.State{stock.InStock, stock.Reserved}, Tag: "winter",
		CreatedFrom: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), CreatedTo: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC),
		Cursor: "abc", Limit: 20}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("ParseFilter\n got %+v\nwant %+v", f, want)
	}
	// Query gives the same filter back, without cursor and limit.
	again, err := stock.ParseFilter(f.Query())
	want.Cursor, want.Limit = "", 0
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("round trip: %+v, %v", again, err)
	}
	if got := f.Query().Get("created_to"); got != "2026-03-14" {
		t.Errorf("created_to comes back as %q", got)
	}
	// An RFC 3339 time is taken as it is.
	q, _ = url.ParseQuery("created_to=2026-03-14T10:30:00%2B01:00")
	if f, err := stock.ParseFilter(q); err != nil || !f.CreatedTo.Equal(time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 created_to: %v %v", f.CreatedTo, err)
	}
	if f, err := stock.ParseFilter(url.Values{}); err != nil || !reflect.DeepEqual(f, stock.Filter{}) {
		t.Errorf("empty query: %+v %v", f, err)
	}

	for query, field := range map[string]string{
		"product=abc":             "product",
		"category=0":              "category",
		"location=-3":             "location",
		"product=1&product=2":     "product",
		"gender=martian":          "gender",
		"state=in_stock,exploded": "state",
		"created_from=yesterday":  "created_from",
		"created_to=2026-13-01":   "created_to",
		"limit=0":                 "limit",
		"limit=1001":              "limit",
		"tag=a&tag=b":             "tag",
	} {
		q, _ := url.ParseQuery(query)
		_, err := stock.ParseFilter(q)
		if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || e.Field != field {
			t.Errorf("%s: %v, field %q, want an invalid %q", query, err, apperr.FieldOf(err), field)
		}
	}
}
