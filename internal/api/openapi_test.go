package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"abri/internal/account"
	"abri/internal/api"
	"abri/internal/db"
	"abri/internal/dbtest"
)

type object = map[string]any

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadDocument(t testing.TB) object {
	t.Helper()
	var doc object
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPIDocument()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

// resolve follows a local $ref ("#/components/…"), failing on a dangling one.
func resolve(t *testing.T, doc object, v any) object {
	t.Helper()
	o, ok := v.(object)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	for depth := 0; depth < 10; depth++ {
		ref, ok := o["$ref"].(string)
		if !ok {
			return o
		}
		if !strings.HasPrefix(ref, "#/") {
			t.Fatalf("non-local $ref %q", ref)
		}
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := cur.(object)
			if !ok || m[part] == nil {
				t.Fatalf("$ref %q does not resolve", ref)
			}
			cur = m[part]
		}
		if o, ok = cur.(object); !ok {
			t.Fatalf("$ref %q is not an object", ref)
		}
	}
	t.Fatalf("$ref loop at %v", o)
	return nil
}

// walkRefs checks that every $ref anywhere in the document resolves.
func walkRefs(t *testing.T, doc object, v any) {
	t.Helper()
	switch x := v.(type) {
	case object:
		if _, ok := x["$ref"]; ok {
			resolve(t, doc, x)
		}
		for _, c := range x {
			walkRefs(t, doc, c)
		}
	case []any:
		for _, c := range x {
			walkRefs(t, doc, c)
		}
	}
}

// operations lists the documented "METHOD path" pairs with their operation.
func operations(t *testing.T, doc object) map[string]object {
	t.Helper()
	paths, ok := doc["paths"].(object)
	if !ok {
		t.Fatal("no paths")
	}
	ops := map[string]object{}
	for path, item := range paths {
		for _, m := range httpMethods {
			if op, ok := item.(object)[m]; ok {
				ops[strings.ToUpper(m)+" "+path] = op.(object)
			}
		}
	}
	return ops
}

// TestOpenAPIMatchesRoutes checks the document against the route table: every
// registered route is documented, every documented operation is registered,
// public routes say so and the others document their 401.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDocument(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi version %q, want 3.1.x", v)
	}
	walkRefs(t, doc, doc)
	schemes, _ := resolve(t, doc, doc["components"])["securitySchemes"].(object)
	if bearer, _ := schemes["bearerAuth"].(object); bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("bearerAuth scheme = %v", bearer)
	}
	if sec, _ := doc["security"].([]any); len(sec) != 1 {
		t.Errorf("top-level security must require bearerAuth: %v", doc["security"])
	}

	ops := operations(t, doc)
	registered := map[string]api.Route{}
	for _, rt := range api.Routes() {
		key := rt.Method + " " + rt.Path
		if _, dup := registered[key]; dup {
			t.Errorf("route %s is in the table twice", key)
		}
		registered[key] = rt
		if _, ok := ops[key]; !ok {
			t.Errorf("route %s is registered but not in openapi.json", key)
		}
	}
	ids := map[string]bool{}
	for key, op := range ops {
		rt, ok := registered[key]
		if !ok {
			t.Errorf("openapi.json documents %s, which is not registered", key)
			continue
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: missing or repeated operationId %q", key, id)
		}
		ids[id] = true
		responses, _ := op["responses"].(object)
		_, ok200 := responses["200"]
		_, ok201 := responses["201"]
		if ok200 == ok201 {
			t.Errorf("%s: document one success, 200 or (for a route that makes something) 201", key)
		}
		sec, hasSec := op["security"].([]any)
		public := hasSec && len(sec) == 0
		if public == rt.Auth {
			t.Errorf("%s: document says public=%v, the route table says auth=%v", key, public, rt.Auth)
		}
		if _, ok := responses["401"]; rt.Auth && !ok {
			t.Errorf("%s: needs a token but documents no 401", key)
		}
		if op["requestBody"] != nil {
			if _, ok := responses["413"]; !ok {
				t.Errorf("%s: takes a body but documents no 413", key)
			}
		}
	}
}

// TestOpenAPIRoutesAreServed asks the real handler for every documented
// operation: none may fall through to "unknown route" or "wrong method", and
// the document itself is served as it is embedded.
func TestOpenAPIRoutesAreServed(t *testing.T) {
	d := dbtest.SQLite(t)
	h, err := api.New(api.Config{DB: d, Accounts: account.New(d)})
	if err != nil {
		t.Fatal(err)
	}
	for key := range operations(t, loadDocument(t)) {
		method, path, _ := strings.Cut(key, " ")
		path = strings.NewReplacer("{", "", "}", "").Replace(path) // fill {id} wildcards with their own name
		w := call(h, method, path, "", nil)
		if w.Code == http.StatusNotFound || w.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s: answered %d, as if not registered: %s", key, w.Code, w.Body)
		}
	}
	w := call(h, "GET", "/api/v1/openapi.json", "", nil)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), api.OpenAPIDocument()) {
		t.Errorf("openapi.json served with %d and %d bytes", w.Code, w.Body.Len())
	}
	checkHeaders(t, w)
}

// TestOpenAPIMeMatchesHandler checks that /me's documented example and schema
// have exactly the fields the handler returns, at every level.
func TestOpenAPIMeMatchesHandler(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := call(f.h, "GET", "/api/v1/me", f.token, nil)
		if w.Code != 200 {
			t.Fatalf("/me: %d %s", w.Code, w.Body)
		}
		var got object
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		doc := loadDocument(t)
		op := operations(t, doc)["GET /api/v1/me"]
		content := resolve(t, doc, op["responses"].(object)["200"])["content"].(object)["application/json"].(object)
		example, ok := content["example"].(object)
		if !ok {
			t.Fatal("/me documents no example")
		}
		sameKeys(t, "example", example, got)
		schemaMatches(t, doc, "schema", content["schema"], got)
	})
}

func keysOf(m object) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// sameKeys compares two JSON objects' field names, recursively.
func sameKeys(t *testing.T, where string, doc, got object) {
	t.Helper()
	if a, b := strings.Join(keysOf(doc), ","), strings.Join(keysOf(got), ","); a != b {
		t.Errorf("%s has fields [%s], the handler returns [%s]", where, a, b)
	}
	for k, v := range doc {
		if dv, ok := v.(object); ok {
			gv, ok := got[k].(object)
			if !ok {
				t.Errorf("%s.%s: documented as an object, returned as %T", where, k, got[k])
				continue
			}
			sameKeys(t, where+"."+k, dv, gv)
		}
	}
}

// schemaMatches checks a returned value against a schema: its JSON types
// (a list of types, or anyOf/oneOf alternatives, for nullable values),
// enums, date and date-time formats, and for objects exactly the documented
// properties with every required one present, at every level.
func schemaMatches(t *testing.T, doc object, where string, schema any, got any) {
	t.Helper()
	for _, p := range validate(t, doc, where, schema, got) {
		t.Error(p)
	}
}

// jsonKind is the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isInteger(v any) bool {
	switch n := v.(type) {
	case float64:
		return n == float64(int64(n))
	case json.Number:
		_, err := n.Int64()
		return err == nil
	}
	return false
}

// validate lists what in got does not match schema.
func validate(t *testing.T, doc object, where string, schema any, got any) []string {
	t.Helper()
	s := resolve(t, doc, schema)
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok {
			var all []string
			for _, a := range alts {
				ps := validate(t, doc, where, a, got)
				if len(ps) == 0 {
					return nil
				}
				all = append(all, ps...)
			}
			return []string{fmt.Sprintf("%s: matches none of %s: %s", where, k, strings.Join(all, "; "))}
		}
	}
	var types []string
	switch x := s["type"].(type) {
	case string:
		types = []string{x}
	case []any:
		for _, y := range x {
			types = append(types, y.(string))
		}
	default:
		return []string{fmt.Sprintf("%s: schema has no type", where)}
	}
	kind := jsonKind(got)
	typ := ""
	for _, ty := range types {
		if ty == kind || ty == "integer" && kind == "number" && isInteger(got) {
			typ = ty
		}
	}
	if typ == "" {
		return []string{fmt.Sprintf("%s: schema says %v, handler returns %s %v", where, types, kind, got)}
	}
	var problems []string
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == got
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: %v is not in the enum %v", where, got, enum))
		}
	}
	switch typ {
	case "string":
		v := got.(string)
		switch s["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not an RFC 3339 time", where, v))
			}
		case "date":
			if _, err := time.Parse("2006-01-02", v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not a date", where, v))
			}
		}
	case "array":
		if items, ok := s["items"]; ok {
			for i, x := range got.([]any) {
				problems = append(problems, validate(t, doc, fmt.Sprintf("%s[%d]", where, i), items, x)...)
			}
		}
	case "object":
		g := got.(object)
		props, _ := s["properties"].(object)
		if props == nil {
			return problems // a free-form object
		}
		if a, b := strings.Join(keysOf(props), ","), strings.Join(keysOf(g), ","); a != b {
			problems = append(problems, fmt.Sprintf("%s: schema properties [%s], handler returns [%s]", where, a, b))
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := g[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s: required %v missing", where, r))
			}
		}
		for k, p := range props {
			if v, ok := g[k]; ok {
				problems = append(problems, validate(t, doc, where+"."+k, p, v)...)
			}
		}
	}
	return problems
}

// TestOpenAPIExamplesMatchSchemas checks every example the document gives,
// of an answer or of a request body, against its schema: an example is what
// a reader copies, so it must be right.
func TestOpenAPIExamplesMatchSchemas(t *testing.T) {
	doc := loadDocument(t)
	n := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case object:
			if ex, ok := x["example"]; ok && x["schema"] != nil {
				schemaMatches(t, doc, where, x["schema"], ex)
				n++
			}
			for k, c := range x {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", where, i), c)
			}
		}
	}
	walk("#", doc)
	if n < 10 {
		t.Errorf("only %d examples checked", n)
	}
}

// TestOpenAPIRequestExamplesAreAccepted sends each documented request body
// example to the real handler: none may be refused for a field the handler
// does not know, or a value of the wrong type. With the example check above,
// the documented properties are exactly fields the handler reads.
func TestOpenAPIRequestExamplesAreAccepted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		doc := loadDocument(t)
		for key, op := range operations(t, doc) {
			rb, ok := op["requestBody"].(object)
			if !ok {
				continue
			}
			content, ok := rb["content"].(object)["application/json"].(object)
			if !ok {
				continue // a file upload (multipart) has its own test
			}
			ex, ok := content["example"]
			if !ok {
				t.Errorf("%s: the request body has no example", key)
				continue
			}
			if props := resolve(t, doc, content["schema"])["properties"].(object); len(keysOf(props)) != len(keysOf(ex.(object))) {
				t.Errorf("%s: the example does not show every field", key)
			}
			body, _ := json.Marshal(ex)
			method, path, _ := strings.Cut(key, " ")
			path = strings.ReplaceAll(path, "{code}", "7KX3M9PQC")
			w := call(f.h, method, path, f.token, bytes.NewReader(body))
			if w.Code == http.StatusBadRequest {
				var e struct{ Error struct{ Message string } }
				json.Unmarshal(w.Body.Bytes(), &e)
				for _, word := range []string{"Unknown field", "wrong type", "JSON"} {
					if strings.Contains(e.Error.Message, word) {
						t.Errorf("%s: the handler refuses the documented example: %s", key, e.Error.Message)
					}
				}
			}
		}
	})
}

// TestOpenAPIMediaTypesHoldOnlyTheirFields checks the rule a standard
// OpenAPI 3.1 linter (Redocly's "struct") refused the document for: a media
// type object (each entry of a "content" map) may hold only schema, example,
// examples and encoding (and x- extensions); a description belongs in the
// schema or the response. The full lint is `npx @redocly/cli lint
// internal/api/openapi.json`, which needs npm and so does not run here.
func TestOpenAPIMediaTypesHoldOnlyTheirFields(t *testing.T) {
	allowed := map[string]bool{"schema": true, "example": true, "examples": true, "encoding": true}
	seen := 0
	var walk func(v any, path string, names bool)
	walk = func(v any, path string, names bool) {
		switch v := v.(type) {
		case object:
			for k, c := range v {
				if k == "content" && !names {
					media, ok := c.(object)
					if !ok {
						t.Errorf("%s/content is not an object", path)
						continue
					}
					for mt, m := range media {
						mo, ok := m.(object)
						if !ok {
							t.Errorf("%s/content/%s is not an object", path, mt)
							continue
						}
						seen++
						for f := range mo {
							if !allowed[f] && !strings.HasPrefix(f, "x-") {
								t.Errorf("%s/content/%s: %q is not a field of a media type object", path, mt, f)
							}
						}
					}
				}
				// The children of "properties" are names, not fields.
				walk(c, path+"/"+k, k == "properties" && !names)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", path, i), false)
			}
		}
	}
	walk(loadDocument(t), "#", false)
	if seen == 0 {
		t.Fatal("no media type objects found")
	}
}
