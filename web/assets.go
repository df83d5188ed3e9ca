package web

import (
	"net/http"

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
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.Type, a.Body)
}

func (s *Server) favicon(c echo.Context) error {
	return serveAsset(c, static.Get("favicon.svg"), false)
}
