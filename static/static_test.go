package static

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestURLAndLookup(t *testing.T) {
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		a := Get(name)
		if a == nil || len(a.Body) == 0 {
			t.Fatalf("%s is not embedded", name)
		}
		sum := sha256.Sum256(a.Body)
		u := URL(name)
		ext := name[strings.LastIndexByte(name, '.'):]
		want := Prefix + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		if u != want {
			t.Errorf("URL(%s) = %q, want %q", name, u, want)
		}
		if got, exact := Lookup(strings.TrimPrefix(u, Prefix)); got != a || !exact {
			t.Errorf("Lookup(%s) = %v, %v", u, got, exact)
		}
		old := strings.TrimSuffix(name, ext) + ".0123456789" + ext
		if got, exact := Lookup(old); got != a || exact {
			t.Errorf("Lookup(%s) with an old hash = %v, %v", old, got, exact)
		}
	}
	if a, _ := Lookup("../static.go"); a != nil {
		t.Error("found a file that is not an asset")
	}
	if a, _ := Lookup("nothing.css"); a != nil {
		t.Error("found an unknown asset")
	}
	if !strings.HasPrefix(Get("app.css").Type, "text/css") || !strings.HasPrefix(Get("app.js").Type, "text/javascript") {
		t.Error("wrong content types")
	}
}
