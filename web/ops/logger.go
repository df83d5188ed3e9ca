package ops

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// RequestLogger writes one line per request: method, route, path, status,
// duration and response size. Query strings and bodies are never logged
// (they may carry tokens and message text).
func RequestLogger(log *slog.Logger) echo.MiddlewareFunc {
	if log == nil {
		log = slog.Default()
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			level := slog.LevelInfo
			if res.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", req.Method),
				slog.String("route", c.Path()),
				slog.String("path", req.URL.Path),
				slog.Int("status", res.Status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", res.Size),
			}
			if err != nil && res.Status >= 500 {
				attrs = append(attrs, slog.String("err", err.Error()))
			}
			log.LogAttrs(req.Context(), level, "request", attrs...)
			return nil
		}
	}
}

// BodyLimit refuses request bodies over n bytes with 413, using echo's
// BodyLimit middleware.
func BodyLimit(n int64) echo.MiddlewareFunc {
	return middleware.BodyLimit(strconv.FormatInt(n, 10) + "B")
}
