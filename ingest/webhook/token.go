package webhook

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/store/jsonl"
)

// The providers below sign nothing: they are authenticated by the ingest
// token (SMSINBOX_INGEST_TOKEN), as "Authorization: Bearer TOKEN" or
// ?token=TOKEN in the URL configured at the gateway.

func (r *request) tokenOnly() error { return r.checkToken() }

// --- Infobip ----------------------------------------------------------------

func (h *Handlers) infobip() *adapter {
	return &adapter{
		name: "infobip", secret: h.cfg.IngestToken,
		verify: (*request).tokenOnly,
		parse:  parseInfobip,
		ack:    ackEmpty,
	}
}

// parseInfobip reads a batch of inbound messages (the "results" array).
func parseInfobip(r *request) ([]item, error) {
	var b struct {
		Results []struct {
			MessageID  string `json:"messageId"`
			From       string `json:"from"`
			To         string `json:"to"`
			Text       string `json:"text"`
			ReceivedAt string `json:"receivedAt"`
			SmsCount   int    `json:"smsCount"`
		} `json:"results"`
	}
	if err := decodeJSON(r.body, &b); err != nil {
		return nil, err
	}
	items := make([]item, 0, len(b.Results))
	for _, m := range b.Results {
		received, err := parseTime("receivedAt", m.ReceivedAt)
		if err != nil {
			return nil, err
		}
		if received.IsZero() {
			received = r.h.now()
		}
		items = append(items, item{in: store.Inbound{
			To:         intlNumber(m.To),
			From:       intlNumber(m.From),
			Body:       m.Text,
			SourceID:   m.MessageID,
			ReceivedAt: received,
			Parts:      max(m.SmsCount, 0),
		}})
	}
	return items, nil
}

// --- SMSSync ----------------------------------------------------------------

func (h *Handlers) smssync() *adapter {
	return &adapter{
		name: "smssync", secret: h.cfg.IngestToken,
		verify: func(r *request) error {
			// SMSSync sends its secret as a form field; a body that does not
			// parse is refused by parse, after authentication.
			f, _ := r.fields()
			return r.checkToken(f.Get("secret"))
		},
		parse: parseSMSSync,
		ack: func(c echo.Context, _ []store.Result) error {
			return c.JSON(http.StatusOK, smssyncAnswer{Payload: smssyncPayload{Success: true}})
		},
		fail: func(c echo.Context, status int, msg string) error {
			return c.JSON(status, smssyncAnswer{Payload: smssyncPayload{Success: false, Error: &msg}})
		},
	}
}

type smssyncAnswer struct {
	Payload smssyncPayload `json:"payload"`
}

type smssyncPayload struct {
	Success bool    `json:"success"`
	Error   *string `json:"error"`
}

func parseSMSSync(r *request) ([]item, error) {
	f, err := r.fields()
	if err != nil {
		return nil, err
	}
	sent, err := parseTime("sent_timestamp", f.Get("sent_timestamp"))
	if err != nil {
		return nil, err
	}
	return []item{{in: store.Inbound{
		To:         coalesce(f.Get("sent_to"), r.query.Get("to")),
		From:       f.Get("from"),
		Body:       f.Get("message"),
		SourceID:   f.Get("message_id"),
		SentAt:     sent,
		ReceivedAt: r.h.now(),
	}}}, nil
}

// --- Kannel -----------------------------------------------------------------

func (h *Handlers) kannel() *adapter {
	return &adapter{
		name: "kannel", get: true, secret: h.cfg.IngestToken,
		verify: (*request).tokenOnly,
		parse:  parseKannel,
		ack:    ackEmpty,
	}
}

// parseKannel reads the fields of the get-url (or post-url form) template
// documented in docs/ingest.md: from=%p to=%P text=%b coding=%c charset=%C
// ts=%T id=%I. The text arrives as the message's bytes; Kannel's coding is
// 0 for the default alphabet (passed on as UTF-8), 1 for 8-bit data and 2
// for UCS-2, which stays UTF-16BE unless the smsbox recodes it (then
// coding is 0 and charset UTF-8). 8-bit data without a text charset is
// binary.
func parseKannel(r *request) ([]item, error) {
	f, err := r.fields()
	if err != nil {
		return nil, err
	}
	sent, err := parseTime("ts", f.Get("ts"))
	if err != nil {
		return nil, err
	}
	in := store.Inbound{
		To:         f.Get("to"),
		From:       f.Get("from"),
		SourceID:   f.Get("id"),
		SentAt:     sent,
		ReceivedAt: r.h.now(),
	}
	text, coding, charset := []byte(f.Get("text")), f.Get("coding"), f.Get("charset")
	switch {
	case strings.EqualFold(charset, "8-BIT") || coding == "1" && charset == "":
		in.Binary = text
	case coding == "2" && charset == "":
		if in.Body, err = decodeText(text, "UTF-16BE"); err != nil {
			return nil, err
		}
	default:
		if in.Body, err = decodeText(text, charset); err != nil {
			return nil, err
		}
	}
	return []item{{in: in}}, nil
}

// --- Jasmin -----------------------------------------------------------------

func (h *Handlers) jasmin() *adapter {
	return &adapter{
		name: "jasmin", get: true, secret: h.cfg.IngestToken,
		verify: (*request).tokenOnly,
		parse:  parseJasmin,
		ack: func(c echo.Context, _ []store.Result) error {
			return c.String(http.StatusOK, "ACK/Jasmin")
		},
	}
}

// parseJasmin reads a Jasmin HTTP MO call. content holds the message in its
// SMPP data coding: 8 is UCS-2, 3 Latin-1, 2 and 4 binary; Jasmin's newer
// releases add "binary", the content in hex, which is used when present.
func parseJasmin(r *request) ([]item, error) {
	f, err := r.fields()
	if err != nil {
		return nil, err
	}
	content := []byte(f.Get("content"))
	if hx := f.Get("binary"); hx != "" {
		b, err := hex.DecodeString(hx)
		if err != nil {
			return nil, badRequest("The field \"binary\" is not hexadecimal.")
		}
		content = b
	}
	in := store.Inbound{
		To:         f.Get("to"),
		From:       f.Get("from"),
		SourceID:   f.Get("id"),
		ReceivedAt: r.h.now(),
	}
	switch f.Get("coding") {
	case "8":
		in.Body, err = decodeText(content, "UTF-16BE")
	case "2", "4":
		in.Binary = content
	case "3":
		in.Body = decodeLatin1(content)
	default:
		// The SMSC default alphabet: Jasmin passes it on as UTF-8 or
		// Latin-1 text.
		if in.Body, err = decodeText(content, "UTF-8"); err != nil {
			in.Body, err = decodeLatin1(content), nil
		}
	}
	if err != nil {
		return nil, err
	}
	return []item{{in: in}}, nil
}

// --- Generic JSON -----------------------------------------------------------

// jsonAliases maps each import field to the names it is accepted under:
// its own first, then the names common Android SMS forwarding apps use.
var jsonAliases = []struct {
	field string
	names []string
}{
	{"to", []string{"to", "recipient", "receiver", "sent_to", "sentTo", "to_number", "toNumber"}},
	{"from", []string{"from", "sender", "originator", "number", "phoneNumber", "phone_number", "address", "msisdn", "from_number", "fromNumber"}},
	{"body", []string{"body", "text", "message", "content", "msg"}},
	{"received_at", []string{"received_at", "receivedAt", "receivedStamp", "received_stamp", "received"}},
	{"sent_at", []string{"sent_at", "sentAt", "sentStamp", "sent_stamp", "sent_timestamp", "timestamp", "date"}},
	{"id", []string{"id", "message_id", "messageId", "msgId", "uuid"}},
	{"source", []string{"source"}},
	{"binary", []string{"binary"}},
}

func (h *Handlers) generic() *adapter {
	return &adapter{
		name: "json", secret: h.cfg.IngestToken,
		verify: (*request).tokenOnly,
		parse:  parseGeneric,
		ack: func(c echo.Context, res []store.Result) error {
			out := struct {
				Stored     int     `json:"stored"`
				Duplicates int     `json:"duplicates"`
				MessageIDs []int64 `json:"message_ids"`
			}{MessageIDs: make([]int64, 0, len(res))}
			for _, r := range res {
				if r.Duplicate {
					out.Duplicates++
				} else {
					out.Stored++
				}
				out.MessageIDs = append(out.MessageIDs, r.ID)
			}
			return c.JSON(http.StatusOK, out)
		},
	}
}

// parseGeneric reads one import object, an array of them, or a form with
// the same fields. Every message is checked before any is stored.
func parseGeneric(r *request) ([]item, error) {
	var objs []map[string]json.RawMessage
	switch {
	case !r.isJSON():
		f, err := r.fields()
		if err != nil {
			return nil, err
		}
		obj := make(map[string]json.RawMessage, len(f))
		for k := range f {
			obj[k], _ = json.Marshal(f.Get(k))
		}
		objs = append(objs, obj)
	case bytes.HasPrefix(bytes.TrimLeft(r.body, " \t\r\n"), []byte("[")):
		if err := decodeJSON(r.body, &objs); err != nil {
			return nil, err
		}
		if len(objs) == 0 {
			return nil, badRequest("The array holds no messages.")
		}
	default:
		var obj map[string]json.RawMessage
		if err := decodeJSON(r.body, &obj); err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	items := make([]item, 0, len(objs))
	for i, obj := range objs {
		in, err := genericInbound(obj, r.query)
		if err != nil {
			if len(objs) > 1 {
				return nil, badRequestf("Message %d of the array: %s", i+1, lowerFirst(err.Error()))
			}
			return nil, err
		}
		items = append(items, item{in: in})
	}
	return items, nil
}

// genericInbound maps one object's fields (or their aliases) to a message.
func genericInbound(obj map[string]json.RawMessage, query url.Values) (store.Inbound, error) {
	if obj == nil {
		return store.Inbound{}, badRequest("The message is not a JSON object.")
	}
	val := map[string]string{}
	for _, a := range jsonAliases {
		for _, n := range a.names {
			if v := jsonString(obj[n]); strings.TrimSpace(v) != "" {
				val[a.field] = v
				break
			}
		}
	}
	if val["to"] == "" {
		val["to"] = query.Get("to")
	}
	in, err := jsonl.Input{
		To: val["to"], From: val["from"], Body: val["body"], Binary: val["binary"],
		Source: val["source"], ID: val["id"],
	}.Inbound()
	if err != nil {
		return in, badRequest(sentence(err.Error()))
	}
	if in.Source == "" {
		in.Source = "json"
	}
	if in.ReceivedAt, err = parseTime("received_at", val["received_at"]); err != nil {
		return in, err
	}
	if in.SentAt, err = parseTime("sent_at", val["sent_at"]); err != nil {
		return in, err
	}
	return in, nil
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' && (len(s) < 2 || s[1] < 'A' || s[1] > 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
