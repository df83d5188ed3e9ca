package web

import (
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"smsinbox/static"
	"smsinbox/store"
)

// static serves an embedded asset. Its content-hashed name may be cached
// for a year; an outdated hash gets the current file for a short time.
func (s *Server) static(c echo.Context) error {
	a, exact := static.Lookup(c.Param("file"))
	if a == nil {
		return store.Errorf(store.KindNotFound, "there is no such file")
	}
	return serveAsset(c, a, exact)
}

func serveAsset(c echo.Context, a *static.Asset, immutable bool) error {
	h := c.Response().Header()
	h.Set("ETag", a.ETag)
	if immutable {
		h.Set("Cache-Control", staticCache)
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if selfEncoded(c) {
		varyEncoding(h)
	}
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	var gz []byte
	if selfEncoded(c) && acceptsGzip(c.Request()) {
		gz = a.Gzip
	}
	return send(c, http.StatusOK, a.Type, a.Body, gz)
}

func (s *Server) favicon(c echo.Context) error {
	return serveAsset(c, static.Get("favicon.svg"), false)
}

// benchStaticEnv names a folder whose files the site also serves under
// /bench-static/, exactly as it serves its own assets (a file NAME.gz
// beside NAME is its compressed form). Benchmarks compare pages with the
// same bytes served as static files by the same server. Off unless set;
// see docs/performance.md.
const benchStaticEnv = "SMSINBOX_BENCH_STATIC_DIR"

// benchStatic serves the files of dir, each read once and then kept in
// memory as the embedded assets are.
func (s *Server) benchStatic(dir string) echo.HandlerFunc {
	var assets sync.Map // name -> *static.Asset
	return func(c echo.Context) error {
		name := c.Param("file")
		if v, ok := assets.Load(name); ok {
			return serveAsset(c, v.(*static.Asset), false)
		}
		if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
			return errNotFound
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return errNotFound
		}
		defer root.Close()
		body, err := root.ReadFile(name)
		if err != nil {
			return errNotFound
		}
		a := static.New(name, body)
		if gz, err := root.ReadFile(name + ".gz"); err == nil {
			a.Gzip = gz
		}
		v, _ := assets.LoadOrStore(name, a)
		return serveAsset(c, v.(*static.Asset), false)
	}
}
