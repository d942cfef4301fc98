package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"abri/internal/ledger"
)

// docs/ledger.md lists every event kind abri writes, with its versions and
// payload fields, between these markers. The table is made from the
// registry of this binary (the cli package links every domain); when it
// differs, the test fails, and ABRI_UPDATE_DOCS=1 rewrites it.
const (
	eventsBegin = "<!-- events:begin (made by TestLedgerDocListsEveryEvent; ABRI_UPDATE_DOCS=1 rewrites it) -->"
	eventsEnd   = "<!-- events:end -->"
	ledgerDoc   = "../../docs/ledger.md"
)

func TestLedgerDocListsEveryEvent(t *testing.T) {
	var b strings.Builder
	b.WriteString("| Kind | Written as | Also reads | Go type | Payload fields |\n|---|---|---|---|---|\n")
	for _, k := range ledger.Registered() {
		var older []string
		for _, v := range k.Reads {
			if v != k.Version {
				older = append(older, fmt.Sprintf("v%d", v))
			}
		}
		also := strings.Join(older, ", ")
		if also == "" {
			also = "–"
		}
		fields := strings.Join(payloadFields(k.Type), "; ")
		if fields == "" {
			fields = "none"
		}
		fmt.Fprintf(&b, "| `%s` | v%d | %s | `%s` | %s |\n", k.Kind, k.Version, also, k.Type.String(), fields)
	}
	table := b.String()
	doc, err := os.ReadFile(ledgerDoc)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), eventsBegin)
	_, after, ok2 := strings.Cut(rest, eventsEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q and %q", ledgerDoc, eventsBegin, eventsEnd)
	}
	want := before + eventsBegin + "\n" + table + eventsEnd + after
	if want == string(doc) {
		return
	}
	if os.Getenv("ABRI_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(ledgerDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the event table of %s is not the registry's: run ABRI_UPDATE_DOCS=1 go test ./internal/cli -run TestLedgerDocListsEveryEvent, then describe what changed. The table:\n%s", ledgerDoc, table)
}

// payloadFields describes a payload's JSON fields: name, type, and
// "optional" for those left out when empty.
func payloadFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, payloadFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := fmt.Sprintf("`%s` %s", name, jsonType(f.Type))
		if strings.Contains(opts, "omitempty") {
			s += " (optional)"
		}
		out = append(out, s)
	}
	return out
}

func jsonType(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(json.RawMessage(nil)):
		return "any JSON"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "string (base64)"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.String:
		if t.PkgPath() != "" {
			return "string (" + t.Name() + ")"
		}
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array of " + jsonType(t.Elem())
	case reflect.Map:
		return "object of " + jsonType(t.Elem())
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return "time"
		}
		if strings.HasPrefix(t.Name(), "Delta[") {
			return "{from, to} of " + jsonType(t.Field(0).Type)
		}
		var names []string
		for _, f := range payloadFields(t) {
			names = append(names, strings.ReplaceAll(f, "`", ""))
		}
		return "{" + strings.Join(names, ", ") + "}"
	}
	return t.String()
}
