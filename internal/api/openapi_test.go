package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/codec"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func readOpenAPI(t *testing.T, b []byte) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// The routes the server registers and the operations of the document are
// the same set, both ways.
func TestOpenAPIDescribesEveryRouteAndNoOther(t *testing.T) {
	key, err := codec.NewKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.New(key)
	if err != nil {
		t.Fatal(err)
	}
	routes := (&api.Server{Codec: c}).Routes()
	if len(routes) < 15 {
		t.Fatalf("only %d routes registered: %v", len(routes), routes)
	}
	var documented []string
	for path, item := range readOpenAPI(t, api.OpenAPI).Paths {
		for method := range item {
			switch method {
			case "get", "post", "put", "patch", "delete", "options", "head":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("the server serves %s; openapi.json does not describe it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json describes %s; the server does not serve it", d)
		}
	}
}

// Every operation names, in x-roles, exactly the roles the router lets in
// (the domain's permission table); an endpoint the router does not guard
// by role (the codec's, which checks its own session) names none.
func TestOpenAPINamesTheRolesTheRouterLetsIn(t *testing.T) {
	key, _ := codec.NewKey(make([]byte, 32))
	c, _ := codec.New(key)
	srv := &api.Server{Codec: c}
	checked := 0
	for path, item := range readOpenAPI(t, api.OpenAPI).Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Roles []motcua.Role `json:"x-roles"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			route := strings.ToUpper(method) + " " + path
			want := srv.Allowed(route)
			slices.Sort(op.Roles)
			slices.Sort(want)
			if !slices.Equal(op.Roles, want) {
				t.Errorf("%s: x-roles %v, the router lets in %v", route, op.Roles, want)
			}
			if len(want) > 0 {
				checked++
			}
		}
	}
	if checked < 25 {
		t.Fatalf("only %d operations with roles checked", checked)
	}
	// The check can fail: the router's own answer for a route it guards.
	if got := srv.Allowed("POST /v1/dossiers/{id}/sign"); !slices.Equal(got, motcua.ActSign.Allowed()) {
		t.Errorf("the router lets %v sign, the permission table %v", got, motcua.ActSign.Allowed())
	}
}

// Every $ref of the document points at something it defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				var at any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := at.(map[string]any)
					at = m[part]
				}
				if at == nil {
					t.Errorf("$ref %s points at nothing", ref)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	if n < 30 {
		t.Fatalf("only %d references: the walk did not read the document", n)
	}
}

// The document is served to any signed-in role, and to no one else.
func TestOpenAPIIsServedToEveryRole(t *testing.T) {
	for _, role := range motcua.Roles {
		raw := must(t, http.StatusOK, role, "GET", "/v1/openapi.json", nil, nil)
		if doc := readOpenAPI(t, raw); doc.Paths["/v1/dossiers"] == nil {
			t.Fatalf("served document lacks /v1/dossiers")
		}
	}
	if status, _ := call(t, "", "GET", "/v1/openapi.json", nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d, want 401", status)
	}
}
