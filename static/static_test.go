package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
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

func TestCompressed(t *testing.T) {
	for _, name := range []string{"app.css", "app.js"} {
		a := Get(name)
		if a.Gzip == nil || len(a.Gzip) >= len(a.Body) {
			t.Fatalf("%s has no smaller compressed copy", name)
		}
		zr, err := gzip.NewReader(bytes.NewReader(a.Gzip))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, a.Body) {
			t.Errorf("%s: the compressed copy does not hold the file (%v)", name, err)
		}
	}
	if Compress([]byte("tiny")) != nil {
		t.Error("a tiny file was compressed")
	}
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 ^ i>>3*31)
	}
	if gz := Compress(random); gz != nil && len(gz) > len(random)-len(random)/10 {
		t.Error("a compressed copy that saves less than a tenth was kept")
	}
}
