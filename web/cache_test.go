package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/static"
	"smsinbox/store"
)

// raw fetches a path without the client's own gzip handling: the body is
// as sent.
func (s *site) raw(method, path string, header ...string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res, body
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func TestPageCacheServesHits(t *testing.T) {
	s := newSite(t)
	s.demo()
	for _, path := range []string{"/", "/number/447400123456", "/sender/whatsapp", "/country/gb", "/countries", "/rules"} {
		_, _, hits0, misses0 := s.srv.pages.stats()
		_, first := s.raw("GET", path, "Accept-Encoding", "identity")
		_, second := s.raw("GET", path, "Accept-Encoding", "identity")
		_, _, hits1, misses1 := s.srv.pages.stats()
		if misses1-misses0 != 1 || hits1-hits0 != 1 {
			t.Errorf("%s: %d misses and %d hits for two requests, want 1 and 1", path, misses1-misses0, hits1-hits0)
		}
		if !bytes.Equal(first, second) || !bytes.Contains(first, []byte("</html>")) {
			t.Errorf("%s: the cached page differs from the first rendering", path)
		}
	}
}

func TestPageCacheFollowsChanges(t *testing.T) {
	s := newSite(t)
	s.demo()
	ctx := context.Background()
	for _, path := range []string{"/", "/number/447400123456", "/country/gb"} {
		s.get(path)
	}
	// A new message changes every page that shows it.
	m := s.insert("+447400123456", "Acme", "Acme code 777111", 0)
	for _, path := range []string{"/", "/number/447400123456", "/country/gb", "/sender/acme"} {
		if _, body := s.get(path); !strings.Contains(body, "777111") {
			t.Errorf("%s does not show the new message", path)
		}
	}
	// A message hidden through the site's own requests, or with Changed
	// after a direct store call, is gone at once.
	if err := s.st.HideMessage(ctx, "test", m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	s.srv.Changed()
	for _, path := range []string{"/", "/number/447400123456", "/country/gb"} {
		if _, body := s.get(path); strings.Contains(body, "777111") {
			t.Errorf("%s still shows the hidden message", path)
		}
	}

	// A change made by another process shows within stateMaxAge.
	m2 := s.insert("+447400123456", "Acme", "Acme code 888222", 0)
	if _, body := s.get("/"); !strings.Contains(body, "888222") {
		t.Fatal("the home page does not show the new message")
	}
	other, err := store.Open(ctx, s.st.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.HideMessage(ctx, "test", m2.ID, "test"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(stateMaxAge + 2*time.Second)
	for {
		_, body := s.get("/")
		if !strings.Contains(body, "888222") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the home page still shows a message hidden by another process after %v", stateMaxAge+2*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPageCacheAdminRequestsRenew(t *testing.T) {
	var hideID atomic.Int64
	var st atomic.Pointer[store.Store]
	s := newSite(t, func(c *Config) {
		c.Mount = append(c.Mount, func(e *echo.Echo) {
			e.POST("/hide", func(c echo.Context) error {
				if err := st.Load().HideMessage(c.Request().Context(), "test", hideID.Load(), "test"); err != nil {
					return err
				}
				return c.NoContent(http.StatusNoContent)
			})
		})
	})
	st.Store(s.st)
	s.demo()
	m := s.insert("+447400123456", "Acme", "Acme code 555333", 0)
	hideID.Store(m.ID)
	if _, body := s.get("/"); !strings.Contains(body, "555333") {
		t.Fatal("the home page does not show the new message")
	}
	res, err := http.Post(s.url+"/hide", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("hide: %s", res.Status)
	}
	if _, body := s.get("/"); strings.Contains(body, "555333") {
		t.Error("the home page still shows a message hidden by a request to the site")
	}
}

func TestPageCacheEncodings(t *testing.T) {
	s := newSite(t)
	s.demo()
	for _, path := range []string{"/", "/number/447400123456", "/sender/whatsapp"} {
		for round := 0; round < 2; round++ { // a miss, then a hit
			res, gz := s.raw("GET", path, "Accept-Encoding", "gzip, deflate, br")
			if res.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: Content-Encoding %q, want gzip", path, res.Header.Get("Content-Encoding"))
			}
			if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("%s: Vary %q lacks Accept-Encoding", path, res.Header.Values("Vary"))
			}
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(gz)) {
				t.Errorf("%s: Content-Length %s for %d bytes", path, cl, len(gz))
			}
			plainRes, plain := s.raw("GET", path, "Accept-Encoding", "identity")
			if plainRes.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: identity answer encoded %q", path, plainRes.Header.Get("Content-Encoding"))
			}
			if !bytes.HasPrefix(bytes.ToLower(plain), []byte("<!doctype html>")) {
				t.Fatalf("%s: the plain answer is not HTML: %q", path, plain[:min(20, len(plain))])
			}
			// Compressed once: one gunzip gives the very page.
			if got := gunzip(t, gz); !bytes.Equal(got, plain) {
				t.Errorf("%s: the gzip answer does not hold the plain page", path)
			}
			// gzip refused with q=0.
			if res, _ := s.raw("GET", path, "Accept-Encoding", "gzip;q=0, identity"); res.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: gzip;q=0 got %q", path, res.Header.Get("Content-Encoding"))
			}
		}
	}
	// Static assets are compressed once too, and still right.
	css := static.Get("app.css")
	res, gz := s.raw("GET", static.URL("app.css"), "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz), css.Body) {
		t.Errorf("app.css: Content-Encoding %q or wrong content", res.Header.Get("Content-Encoding"))
	}
	// Other routes keep the compression middleware.
	res, body := s.raw("GET", "/sitemap.xml", "Accept-Encoding", "gzip")
	if res.StatusCode == 200 && len(body) >= minGzip && res.Header.Get("Content-Encoding") == "gzip" {
		gunzip(t, body)
	}
	// The benchmark's static folder is off unless asked for.
	if res, _ := s.raw("GET", "/bench-static/x.html"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/bench-static/ answers %d without %s", res.StatusCode, benchStaticEnv)
	}
}

func TestPageCacheHeadAndConditional(t *testing.T) {
	s := newSite(t)
	s.demo()
	path := "/number/447400123456"
	for round := 0; round < 2; round++ {
		getRes, body := s.raw("GET", path, "Accept-Encoding", "gzip")
		headRes, headBody := s.raw("HEAD", path, "Accept-Encoding", "gzip")
		if headRes.StatusCode != 200 || len(headBody) != 0 {
			t.Fatalf("HEAD: status %d with %d bytes", headRes.StatusCode, len(headBody))
		}
		for _, h := range []string{"ETag", "Content-Length", "Content-Encoding", "Content-Type", "Last-Modified", "Cache-Control"} {
			if headRes.Header.Get(h) != getRes.Header.Get(h) {
				t.Errorf("HEAD %s %q, GET %q", h, headRes.Header.Get(h), getRes.Header.Get(h))
			}
		}
		if getRes.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length %s for %d bytes", getRes.Header.Get("Content-Length"), len(body))
		}
		etag := getRes.Header.Get("ETag")
		res, b := s.raw("GET", path, "If-None-Match", etag, "Accept-Encoding", "gzip")
		if res.StatusCode != http.StatusNotModified || len(b) != 0 || res.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match: status %d, %d bytes, ETag %q", res.StatusCode, len(b), res.Header.Get("ETag"))
		}
		res, _ = s.raw("HEAD", path, "If-None-Match", etag)
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("HEAD with If-None-Match: status %d", res.StatusCode)
		}
	}
}

func TestPageCacheBound(t *testing.T) {
	const bound = 120 << 10
	s := newSite(t, func(c *Config) { c.PageCacheBytes = bound })
	s.demo()
	var ids []int64
	for i := 0; i < 60; i++ {
		ids = append(ids, s.insert("+447400123456", "Acme", fmt.Sprintf("Acme code %06d", i), time.Duration(i)*time.Second).ID)
	}
	for _, id := range ids {
		if res, _ := s.get("/message/" + strconv.FormatInt(id, 10)); res.StatusCode != 200 {
			t.Fatalf("message %d: %s", id, res.Status)
		}
		if _, used, _, _ := s.srv.pages.stats(); used > bound {
			t.Fatalf("the cache holds %d bytes, over its bound of %d", used, bound)
		}
	}
	pages, used, _, _ := s.srv.pages.stats()
	if pages == 0 || pages >= len(ids) {
		t.Errorf("%d pages kept of %d within %d bytes (%d used): the bound did not apply", pages, len(ids), bound, used)
	}
	// Off when negative.
	off := newSite(t, func(c *Config) { c.PageCacheBytes = -1 })
	off.demo()
	off.get("/")
	if off.srv.pages != nil {
		t.Error("a negative PageCacheBytes left the cache on")
	}
}

func TestPageStore(t *testing.T) {
	now := time.Now()
	page := func(key string, n int) *renderedPage {
		return &renderedPage{key: key, made: now, plain: bytes.Repeat([]byte("x"), n)}
	}
	// Pages of 9,000 bytes cost a little more; eight fit in 80,000.
	ps := newPageStore(80_000, time.Minute)
	for i := 0; i < 8; i++ {
		ps.put(page(strconv.Itoa(i), 9000))
	}
	if ps.get("0", now) == nil { // 0 is now the most recently used
		t.Fatal("a page within the bound was not kept")
	}
	ps.put(page("a", 9000)) // over the bound: 1, the least recently used, goes
	if ps.get("1", now) != nil {
		t.Error("the least recently used page was kept over the bound")
	}
	for _, k := range []string{"0", "2", "7", "a"} {
		if ps.get(k, now) == nil {
			t.Errorf("page %s was dropped instead of the least recently used", k)
		}
	}
	if _, used, _, _ := ps.stats(); used > ps.max {
		t.Errorf("%d bytes used over a bound of %d", used, ps.max)
	}
	ps.put(page("big", 10_000)) // more than an eighth of the bound
	if ps.get("big", now) != nil {
		t.Error("a page over an eighth of the bound was kept")
	}
	if ps.get("a", now.Add(time.Minute)) != nil {
		t.Error("a page older than its lifetime was served")
	}

	// Concurrent requests for one page render it once.
	ps = newPageStore(1<<20, time.Minute)
	var renders atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := ps.load("k", now, func() (*renderedPage, error) {
				renders.Add(1)
				<-release
				return page("k", 10), nil
			})
			if err != nil || p == nil {
				t.Errorf("load: %v", err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Errorf("%d renderings for concurrent requests of one page, want 1", n)
	}
	// A failed or panicking rendering is an error and is not kept.
	if _, err := ps.load("bad", now, func() (*renderedPage, error) { return nil, errors.New("no") }); err == nil {
		t.Error("a failed rendering gave no error")
	}
	if _, err := ps.load("panic", now, func() (*renderedPage, error) { panic("boom") }); err == nil {
		t.Error("a panicking rendering gave no error")
	}
	if ps.get("bad", now) != nil || ps.get("panic", now) != nil {
		t.Error("a failed rendering was kept")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0, identity", false},
		{"br", false},
		{"*", true},
		{"x-gzip", true},
		{"identity", false},
		{"gzip;q=junk", true},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if c.header != "" {
			r.Header.Set("Accept-Encoding", c.header)
		}
		if got := acceptsGzip(r); got != c.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}

func TestBenchStaticDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(benchStaticEnv, dir)
	s := newSite(t)
	page := bytes.Repeat([]byte("<p>static copy of a page</p>\n"), 200)
	if err := os.WriteFile(filepath.Join(dir, "p.html"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	res, gz := s.raw("GET", "/bench-static/p.html", "Accept-Encoding", "gzip")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz), page) {
		t.Fatalf("status %d, encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"/bench-static/..%2fx", "/bench-static/.hidden", "/bench-static/missing.html"} {
		if res, _ := s.raw("GET", bad); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, res.StatusCode)
		}
	}
}
