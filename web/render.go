package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render renders comp in full before answering, so that a failure becomes
// an error (and a 500 page) rather than half a page sent with 200.
func Render(c echo.Context, status int, comp templ.Component) error {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			buffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return fmt.Errorf("render page: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// Cache lifetimes.
const (
	pageCache   = "public, max-age=15"
	staticCache = "public, max-age=31536000, immutable"
)

// validator accumulates what a page shows into a weak ETag.
type validator struct {
	h       hash.Hash64
	lastMod time.Time
}

func (s *Server) validator(page string, inputs ...string) *validator {
	v := &validator{h: fnv.New64a()}
	v.str(s.version)
	v.str(page)
	for _, in := range inputs {
		v.str(in)
	}
	return v
}

func (v *validator) str(s string) {
	v.h.Write([]byte(s))
	v.h.Write([]byte{0})
}

func (v *validator) int(n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	v.h.Write(b[:])
}

func (v *validator) time(t time.Time) {
	v.int(t.UnixMilli())
	if t.After(v.lastMod) {
		v.lastMod = t
	}
}

func (v *validator) number(n store.Number) {
	v.int(n.ID)
	v.str(n.Status)
	v.str(n.Label)
	v.int(n.Messages)
	v.time(n.LastMessageAt)
}

func (v *validator) etag() string { return fmt.Sprintf(`W/"%016x"`, v.h.Sum64()) }

// fresh sets the page's validators and cache lifetime and reports whether
// the client's copy is current; it has then answered 304 and the page
// need not be rendered.
func (s *Server) fresh(c echo.Context, v *validator) bool {
	h := c.Response().Header()
	tag := v.etag()
	h.Set("ETag", tag)
	h.Set("Cache-Control", pageCache)
	if !v.lastMod.IsZero() {
		h.Set("Last-Modified", v.lastMod.UTC().Format(http.TimeFormat))
	}
	req := c.Request()
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		if etagMatch(inm, tag) {
			c.NoContent(http.StatusNotModified)
			return true
		}
		return false
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" && !v.lastMod.IsZero() {
		t, err := http.ParseTime(ims)
		if err == nil && !v.lastMod.Truncate(time.Second).After(t) {
			c.NoContent(http.StatusNotModified)
			return true
		}
	}
	return false
}

// etagMatch compares an If-None-Match list with tag, weakly.
func etagMatch(list, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
