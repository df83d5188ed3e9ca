package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/templates"
)

// replayLimit is how many missed messages a reconnecting stream gets.
const replayLimit = 50

func (s *Server) homeEvents(c echo.Context) error {
	return s.stream(c, nil, store.Filter{}, true, true)
}

func (s *Server) numberEvents(c echo.Context) error {
	n, err := s.lookupNumber(c.Request().Context(), param(c, "digits"))
	if err != nil {
		return err
	}
	if n.Status != store.StatusActive {
		return store.Errorf(store.KindGone, "the number %s is retired", n.E164)
	}
	id := n.ID
	return s.stream(c, func(m store.Message) bool { return m.NumberID == id }, store.Filter{NumberID: id}, false, true)
}

func (s *Server) senderEvents(c echo.Context) error {
	sd, _, err := s.lookupSender(c)
	if err != nil {
		return err
	}
	key := sd.Key
	return s.stream(c, func(m store.Message) bool { return m.SenderKey == key }, store.Filter{SenderKey: key}, true, false)
}

func (s *Server) countryEvents(c echo.Context) error {
	iso := strings.ToUpper(param(c, "iso"))
	if !countryCode(iso) {
		return store.Errorf(store.KindNotFound, "there is no such country on this site")
	}
	return s.stream(c, func(m store.Message) bool { return m.Country == iso }, store.Filter{Country: iso}, true, true)
}

// stream sends Server-Sent Events: each new message that match accepts,
// as the same HTML its listing shows, after the messages missed since the
// id given by Last-Event-ID or ?after=. It ends when the client leaves or
// the server shuts down.
func (s *Server) stream(c echo.Context, match func(store.Message) bool, replay store.Filter, showNumber, showSender bool) error {
	if s.hub == nil {
		return c.NoContent(http.StatusNoContent) // tells EventSource not to reconnect
	}
	req := c.Request()
	ctx := req.Context()
	var after int64
	for _, v := range []string{req.Header.Get("Last-Event-ID"), c.QueryParam("after")} {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > after {
			after = id
		}
	}
	w := c.Response()
	rc := http.NewResponseController(w)
	// A stream outlives the server's read and write timeouts.
	_ = rc.SetWriteDeadline(time.Time{})
	_ = rc.SetReadDeadline(time.Time{})

	msgs, cancel := s.hub.Subscribe(match)
	defer cancel()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	var buf bytes.Buffer
	buf.WriteString("retry: 3000\n\n")
	if after > 0 {
		f := replay
		f.After, f.Limit = after, replayLimit
		missed, err := s.st.Messages(ctx, f)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Warn("live updates: reading missed messages failed", "err", err)
		}
		for i := len(missed) - 1; i >= 0; i-- {
			if err := s.event(ctx, &buf, missed[i], showNumber, showSender); err != nil {
				return nil
			}
			after = max(after, missed[i].ID)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}

	tick := time.NewTicker(s.cfg.KeepAlive)
	defer tick.Stop()
	for {
		buf.Reset()
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-tick.C:
			buf.WriteString(": keep-alive\n\n")
		case m := <-msgs:
			if m.ID <= after {
				continue
			}
			after = m.ID
			if err := s.event(ctx, &buf, m, showNumber, showSender); err != nil {
				return nil
			}
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// event appends one message event: its id, and its listing HTML as data
// lines.
func (s *Server) event(ctx context.Context, buf *bytes.Buffer, m store.Message, showNumber, showSender bool) error {
	var html bytes.Buffer
	card := templates.Card{M: m, Now: s.now(), ShowNumber: showNumber, ShowSender: showSender}
	if err := templates.MessageItem(card).Render(ctx, &html); err != nil {
		s.log.Error("live updates: rendering a message failed", "id", m.ID, "err", err)
		return err
	}
	buf.WriteString("id: ")
	buf.WriteString(strconv.FormatInt(m.ID, 10))
	buf.WriteString("\nevent: message\n")
	// A line break of any kind ends an SSE line: each line of the HTML
	// becomes one data line, and the browser joins them with "\n".
	text := strings.ReplaceAll(html.String(), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	for _, line := range strings.Split(text, "\n") {
		buf.WriteString("data: ")
		buf.WriteString(line)
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
	return nil
}
