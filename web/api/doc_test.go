package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the reference part of docs/api.md from openapi.json")

const (
	docBegin = "<!-- reference: generated from openapi.json by `go test ./web/api -run TestAPIDoc -update`; do not edit -->\n"
	docEnd   = "<!-- end of reference -->\n"
)

// renderReference writes the endpoints and objects of the description as
// Markdown.
func renderReference(d doc) string {
	var b strings.Builder
	paths := d["paths"].(map[string]any)
	order := []string{"/messages", "/numbers", "/numbers/{digits}", "/numbers/{digits}/messages", "/senders", "/senders/{key}", "/senders/{key}/messages", "/countries", "/search", "/openapi.json"}
	if len(order) != len(paths) {
		panic("renderReference: the path order lists other paths than openapi.json")
	}
	b.WriteString("### Endpoints\n\n")
	for _, p := range order {
		op := paths[p].(map[string]any)["get"].(map[string]any)
		fmt.Fprintf(&b, "#### `GET /api/v1%s` — %s\n\n", p, op["summary"])
		if desc, ok := op["description"].(string); ok {
			b.WriteString(desc + "\n\n")
		}
		if ps, ok := op["parameters"].([]any); ok && len(ps) > 0 {
			b.WriteString("| parameter | in | type | meaning |\n|---|---|---|---|\n")
			for _, x := range ps {
				prm := d.resolve(x.(map[string]any))
				schema := prm["schema"].(map[string]any)
				typ := schema["type"].(string)
				if enum, ok := schema["enum"].([]any); ok {
					var vs []string
					for _, e := range enum {
						vs = append(vs, fmt.Sprint(e))
					}
					typ = strings.Join(vs, " \\| ")
				}
				if prm["required"] == true && prm["in"] == "query" {
					typ += ", required"
				}
				desc, _ := prm["description"].(string)
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", prm["name"], prm["in"], typ, cell(desc))
			}
			b.WriteString("\n")
		}
		codes := make([]string, 0)
		for code := range op["responses"].(map[string]any) {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		var rs []string
		for _, code := range codes {
			r := op["responses"].(map[string]any)[code].(map[string]any)
			r = d.resolve(r)
			schema := ""
			if c, ok := r["content"].(map[string]any); ok {
				if s, ok := c["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string); ok {
					schema = " " + filepath.Base(s)
				}
			}
			rs = append(rs, code+schema)
		}
		fmt.Fprintf(&b, "Answers: %s.\n\n", strings.Join(rs, ", "))
	}
	b.WriteString("### Objects\n\n")
	schemas := d["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Message", "Number", "Sender", "SenderProfile", "Format", "Country", "Error"} {
		s := schemas[name].(map[string]any)
		fmt.Fprintf(&b, "#### %s\n\n", name)
		b.WriteString("| field | type | always there | meaning |\n|---|---|---|---|\n")
		req := map[string]bool{}
		if rs, ok := s["required"].([]any); ok {
			for _, r := range rs {
				req[r.(string)] = true
			}
		}
		props := s["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := props[k].(map[string]any)
			typ, _ := p["type"].(string)
			if ref, ok := p["$ref"].(string); ok {
				typ = filepath.Base(ref)
			}
			if typ == "array" {
				items := p["items"].(map[string]any)
				if ref, ok := items["$ref"].(string); ok {
					typ = "array of " + filepath.Base(ref)
				} else {
					typ = "array of " + items["type"].(string)
				}
			}
			if f, ok := p["format"].(string); ok {
				typ += " (" + f + ")"
			}
			if p["nullable"] == true {
				typ += " or null"
			}
			always := "yes"
			if !req[k] {
				always = "no"
			}
			desc, _ := p["description"].(string)
			if ex, ok := p["example"]; ok {
				desc = strings.TrimSpace(desc + " Example: `" + fmt.Sprint(ex) + "`.")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k, typ, always, cell(desc))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// TestAPIDoc checks that docs/api.md holds the reference rendered from
// openapi.json, so that the two cannot drift apart.
func TestAPIDoc(t *testing.T) {
	var d doc
	if err := json.Unmarshal(OpenAPI, &d); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "api.md")
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(md, []byte(docBegin))
	j := bytes.Index(md, []byte(docEnd))
	if i < 0 || j < i {
		t.Fatalf("docs/api.md lacks the reference markers")
	}
	want := renderReference(d)
	got := string(md[i+len(docBegin) : j])
	if got == want {
		return
	}
	if !*update {
		t.Fatal("the reference in docs/api.md is out of date; run: go test ./web/api -run TestAPIDoc -update")
	}
	out := append(append(append([]byte{}, md[:i+len(docBegin)]...), want...), md[j:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
