package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
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
	var gz []byte
	if selfEncoded(c) && acceptsGzip(c.Request()) {
		gz = compress(buf.Bytes())
	}
	return send(c, status, htmlType, buf.Bytes(), gz)
}

const htmlType = echo.MIMETextHTMLCharsetUTF8

// renderPage renders comp into a page to keep: plain and, when it is
// large enough to gain from it, gzipped.
func renderPage(ctx context.Context, key string, made time.Time, comp templ.Component) (*renderedPage, error) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			buffers.Put(buf)
		}
	}()
	if err := comp.Render(ctx, buf); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	return &renderedPage{key: key, made: made, plain: bytes.Clone(buf.Bytes()), gz: compress(buf.Bytes())}, nil
}

// page answers with the page that v describes: 304 when the client's copy
// is current, otherwise the page rendered by build, taken from the page
// cache while v is unchanged and the rendering is younger than pageTTL.
// build runs only on a miss.
func (s *Server) page(c echo.Context, v *validator, build func() (templ.Component, error)) error {
	if s.fresh(c, v) {
		return nil
	}
	now := time.Now()
	key := s.pageKey(c, v)
	render := func() (*renderedPage, error) {
		comp, err := build()
		if err != nil {
			return nil, err
		}
		return renderPage(c.Request().Context(), key, now, comp)
	}
	var p *renderedPage
	var err error
	if s.pages != nil {
		p, err = s.pages.load(key, now, render)
	} else {
		p, err = render()
	}
	if err != nil {
		return err
	}
	var gz []byte
	if selfEncoded(c) && acceptsGzip(c.Request()) {
		gz = p.gz
	}
	return send(c, http.StatusOK, htmlType, p.plain, gz)
}

// pageKey names a rendering: the page and its inputs, its validator, and
// the scheme and host its absolute links were made for when the site has
// no PublicURL.
func (s *Server) pageKey(c echo.Context, v *validator) string {
	key := v.id + "\x00" + v.etag()
	if s.base == "" {
		scheme := "http"
		if c.Request().TLS != nil {
			scheme = "https"
		}
		key += "\x00" + scheme + "://" + c.Request().Host
	}
	return key
}

// send writes an answer of plain, or of gz (gzip-encoded plain) when gz is
// not nil. It sets Content-Length, and writes no body to HEAD requests.
func send(c echo.Context, status int, ctype string, plain, gz []byte) error {
	res := c.Response()
	h := res.Header()
	body := plain
	if selfEncoded(c) {
		varyEncoding(h)
		if gz != nil {
			h.Set(echo.HeaderContentEncoding, "gzip")
			body = gz
		}
	}
	h.Set(echo.HeaderContentType, ctype)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	res.WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := res.Write(body)
	return err
}

// selfEncodedKey marks a request whose route compresses its own answers
// (pages kept compressed, static files compressed once), so that the
// compression middleware leaves it alone.
const selfEncodedKey = "web.self-encoded"

// selfEncodedRoutes are the routes that compress their own answers.
var selfEncodedRoutes = map[string]bool{
	"/": true, "/countries": true, "/country/:iso": true, "/number/:digits": true, "/sender/:key": true,
	"/senders": true, "/search": true, "/message/:id": true, "/rules": true,
	"/static/:file": true, "/favicon.ico": true, "/bench-static/:file": true,
}

// skipGzip tells the compression middleware which requests to leave
// alone: live-update streams and routes that compress their own answers.
func skipGzip(c echo.Context) bool {
	if isStream(c) {
		return true
	}
	if selfEncodedRoutes[c.Path()] {
		c.Set(selfEncodedKey, true)
		return true
	}
	return false
}

// varyEncoding says in h that the answer depends on Accept-Encoding.
func varyEncoding(h http.Header) {
	for _, v := range h.Values(echo.HeaderVary) {
		if strings.Contains(strings.ToLower(v), "accept-encoding") {
			return
		}
	}
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
}

func selfEncoded(c echo.Context) bool {
	v, _ := c.Get(selfEncodedKey).(bool)
	return v
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, ae := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(ae, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") && coding != "*" {
				continue
			}
			q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
			if !ok {
				return true
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err != nil || f > 0
		}
	}
	return false
}

// minGzip is the smallest answer worth compressing.
const minGzip = 1024

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// compress gzips body, or gives nil when it is too small to gain.
func compress(body []byte) []byte {
	if len(body) < minGzip {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(body)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	w.Write(body)
	w.Close()
	w.Reset(io.Discard)
	gzipWriters.Put(w)
	if buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// Cache lifetimes.
const (
	pageCache   = "public, max-age=15"
	staticCache = "public, max-age=31536000, immutable"
)

// validator accumulates what a page shows into a weak ETag.
type validator struct {
	id      string // the page and its inputs
	h       hash.Hash64
	lastMod time.Time
}

func (s *Server) validator(page string, inputs ...string) *validator {
	v := &validator{h: fnv.New64a(), id: page}
	v.str(s.version)
	v.str(page)
	for _, in := range inputs {
		v.str(in)
		v.id += "\x00" + in
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
	if selfEncoded(c) {
		varyEncoding(h)
	}
	// Only the ETag decides: a hidden message leaves the newest time of a
	// page as it was, so If-Modified-Since would keep it in copies.
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatch(inm, tag) {
		c.NoContent(http.StatusNotModified)
		return true
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
