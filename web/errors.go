package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/templates"
)

// apiError is the JSON body of an error under /api/.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// classify maps an error to its status, code and user-safe sentence. It is
// the one place where error kinds become HTTP answers.
func classify(err error) (status int, code, msg string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		msg = http.StatusText(status)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		if he.Internal != nil && store.KindOf(he.Internal) != store.KindInternal {
			msg = store.MessageOf(he.Internal)
		}
		return status, statusCode(status), sentence(msg)
	}
	kind := store.KindOf(err)
	switch kind {
	case store.KindInvalid:
		status = http.StatusBadRequest
	case store.KindNotFound:
		status = http.StatusNotFound
	case store.KindGone:
		status = http.StatusGone
	case store.KindConflict:
		status = http.StatusConflict
	default:
		return http.StatusInternalServerError, "internal", "Something went wrong on our side; please try again in a moment."
	}
	return status, string(kind), sentence(store.MessageOf(err))
}

// statusCode is the error code of a status that came without a kind.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusGone:
		return "gone"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid"
}

// sentence makes a message start with a capital and end with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

var errorTitles = map[int]string{
	http.StatusBadRequest:          "That request is not valid",
	http.StatusNotFound:            "Page not found",
	http.StatusGone:                "This page is gone",
	http.StatusMethodNotAllowed:    "Method not allowed",
	http.StatusTooManyRequests:     "Too many requests",
	http.StatusInternalServerError: "Something went wrong",
	http.StatusServiceUnavailable:  "Temporarily unavailable",
}

// handleError answers a handler's error: JSON under /api/, the site's
// error page elsewhere.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	req := c.Request()
	if errors.Is(err, context.Canceled) && req.Context().Err() != nil {
		return // the client went away
	}
	status, code, msg := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", req.Method, "path", req.URL.Path, "status", status, "err", err)
	}
	h := c.Response().Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-store")
	if strings.HasPrefix(req.URL.Path, "/api/") {
		if err := c.JSON(status, apiError{Error: apiErrorBody{Code: code, Message: msg}}); err != nil {
			s.log.Warn("writing an error answer failed", "err", err)
		}
		return
	}
	if req.Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	title := errorTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if status == http.StatusNotFound && code == "not_found" && msg == "Not Found." {
		msg = "There is nothing at this address. The number or sender may have been removed, or the link is mistyped."
	}
	meta := templates.Meta{Title: title, Description: msg, NoIndex: true}
	if rerr := Render(c, status, templates.ErrorPage(meta, templates.ErrorView{Status: status, Title: title, Message: msg})); rerr != nil {
		s.log.Error("rendering the error page failed", "err", rerr)
		c.String(status, fmt.Sprintf("%d %s\n", status, msg))
	}
}
