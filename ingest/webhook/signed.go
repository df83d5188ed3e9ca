package webhook

import (
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

// allAdapters lists every provider; New keeps those whose secret is set.
func (h *Handlers) allAdapters() []*adapter {
	return []*adapter{
		h.twilio(), h.vonage(), h.plivo(), h.telnyx(), h.sinch(), h.smsgate(),
		h.infobip(), h.smssync(), h.kannel(), h.jasmin(), h.generic(),
	}
}

// ackEmpty answers 200 with no body, which every provider without a format
// of its own takes as success.
func ackEmpty(c echo.Context, _ []store.Result) error { return c.NoContent(http.StatusOK) }

// --- Twilio -----------------------------------------------------------------

const twiMLEmpty = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func (h *Handlers) twilio() *adapter {
	token := h.cfg.TwilioAuthToken
	return &adapter{
		name: "twilio", get: true, secret: token,
		verify: func(r *request) error {
			sig := r.header("X-Twilio-Signature")
			if sig == "" {
				return errNoCredentials("no X-Twilio-Signature header")
			}
			var params string
			switch {
			case r.isGet():
				// The fields are in the URL, which is signed as it is.
			case r.query.Get("bodySHA256") != "":
				// A JSON body: the URL carries the body's hash and is signed
				// alone.
				sum := sha256.Sum256(r.body)
				if !equalHex(sum[:], r.query.Get("bodySHA256")) {
					return errBadCredentials("bodySHA256 does not match the body")
				}
			default:
				f, err := r.fields()
				if err != nil {
					return err
				}
				params = twilioParams(f)
			}
			if !twilioValid(token, r.signedURL(), params, sig) {
				return errBadCredentials("X-Twilio-Signature does not match")
			}
			return nil
		},
		parse: func(r *request) ([]item, error) {
			p, err := r.params()
			if err != nil {
				return nil, err
			}
			return []item{{in: store.Inbound{
				To:         p.Get("To"),
				From:       p.Get("From"),
				Body:       p.Get("Body"),
				SourceID:   first(p.Get, "MessageSid", "SmsMessageSid", "SmsSid"),
				ReceivedAt: r.h.now(),
				Parts:      partCount(p.Get("NumSegments")),
			}}}, nil
		},
		ack: func(c echo.Context, _ []store.Result) error {
			return c.Blob(http.StatusOK, "text/xml; charset=utf-8", []byte(twiMLEmpty))
		},
	}
}

// twilioParams is the form fields as Twilio appends them to the URL it
// signs: sorted by name, a repeated name's values sorted, each name
// followed by its value with nothing between.
func twilioParams(f url.Values) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := append([]string(nil), f[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

// twilioValid checks a Twilio signature over the URL (with and without its
// default port, since Twilio is not consistent about it) and params.
func twilioValid(token, rawURL, params, sig string) bool {
	ok := false
	for _, u := range portVariants(rawURL) {
		if equalBase64(macOf(sha1.New, token, u, params), sig) {
			ok = true
		}
	}
	return ok
}

// portVariants returns rawURL and the same URL with its scheme's default
// port added (when it has none) or removed (when it has it).
func portVariants(rawURL string) []string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return []string{rawURL}
	}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(scheme)]
	if def == "" {
		return []string{rawURL}
	}
	i := strings.IndexAny(rest, "/?#")
	if i < 0 {
		i = len(rest)
	}
	host, tail := rest[:i], rest[i:]
	name, port, err := net.SplitHostPort(host)
	switch {
	case err != nil:
		return []string{rawURL, scheme + "://" + host + ":" + def + tail}
	case port == def:
		if strings.Contains(name, ":") {
			name = "[" + name + "]"
		}
		return []string{rawURL, scheme + "://" + name + tail}
	}
	return []string{rawURL}
}

// --- Vonage (SMS API) -------------------------------------------------------

func (h *Handlers) vonage() *adapter {
	secret := h.cfg.VonageSignatureSecret
	method := h.cfg.VonageSignatureMethod
	return &adapter{
		name: "vonage", get: true, secret: secret,
		setup: func() error {
			if vonageHash(method) == nil && method != "md5hash" {
				return fmt.Errorf("SMSINBOX_VONAGE_SIGNATURE_METHOD %q is not one of md5hash, md5, sha1, sha256, sha512", method)
			}
			return nil
		},
		verify: func(r *request) error {
			p, err := r.params()
			if err != nil {
				return err
			}
			sig := p.Get("sig")
			if sig == "" {
				return errNoCredentials("no sig field")
			}
			if p.Get("timestamp") == "" {
				return errNoCredentials("no timestamp field")
			}
			if err := r.checkFresh(p.Get("timestamp")); err != nil {
				return err
			}
			if !equalHex(vonageSignature(method, secret, p), sig) {
				return errBadCredentials("sig does not match")
			}
			return nil
		},
		parse: func(r *request) ([]item, error) {
			p, err := r.params()
			if err != nil {
				return nil, err
			}
			return vonageItems(p, r)
		},
		ack: ackEmpty,
	}
}

func vonageHash(method string) func() hash.Hash {
	switch method {
	case "md5":
		return md5.New
	case "sha1":
		return sha1.New
	case "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	}
	return nil
}

// vonageSignature signs every field but sig as Vonage does: sorted by name,
// "&name=value" each, with "&" and "=" in values turned into "_"; then
// md5(string + secret) for md5hash, or an HMAC keyed with the secret.
func vonageSignature(method, secret string, p url.Values) []byte {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	clean := strings.NewReplacer("&", "_", "=", "_")
	for _, k := range keys {
		b.WriteString("&" + k + "=" + clean.Replace(p.Get(k)))
	}
	if hf := vonageHash(method); hf != nil {
		return macOf(hf, secret, b.String())
	}
	sum := md5.Sum([]byte(b.String() + secret))
	return sum[:]
}

// vonageItems reads an inbound SMS of the Vonage SMS API. Vonage does not
// reassemble long messages: each part comes with concat-ref, concat-total
// and concat-part, and is kept by the store until the message is whole.
func vonageItems(p url.Values, r *request) ([]item, error) {
	if p.Get("msisdn") == "" && p.Get("to") == "" && p.Get("messageId") == "" {
		return nil, badRequest("The request is not a Vonage inbound SMS (no msisdn, to or messageId).")
	}
	received, err := parseTime("message-timestamp", p.Get("message-timestamp"))
	if err != nil {
		return nil, err
	}
	if received.IsZero() {
		received = r.h.now()
	}
	in := store.Inbound{
		To:         intlNumber(p.Get("to")),
		From:       intlNumber(p.Get("msisdn")),
		Body:       p.Get("text"),
		SourceID:   p.Get("messageId"),
		ReceivedAt: received,
		Source:     "vonage",
	}
	if p.Get("type") == "binary" {
		data, err := hex.DecodeString(p.Get("data"))
		if err != nil {
			return nil, badRequest("The field \"data\" is not hexadecimal.")
		}
		in.Body, in.Binary = "", data
		// Binary parts are kept as they come: the store joins text only.
		return []item{{in: in}}, nil
	}
	if p.Get("concat") != "true" {
		return []item{{in: in}}, nil
	}
	ref, err1 := strconv.Atoi(p.Get("concat-ref"))
	total, err2 := strconv.Atoi(p.Get("concat-total"))
	seq, err3 := strconv.Atoi(p.Get("concat-part"))
	if err := errors.Join(err1, err2, err3); err != nil || ref < 0 || ref > 0xFFFF || total < 1 || seq < 1 || seq > total {
		return nil, badRequest("The fields concat-ref, concat-total and concat-part are not a valid multi-part position.")
	}
	bits := 8
	if ref > 0xFF {
		bits = 16
	}
	return []item{{part: &store.Part{Inbound: in, Ref: ref, RefBits: bits, Total: total, Seq: seq, Text: in.Body}}}, nil
}

// --- Plivo ------------------------------------------------------------------

func (h *Handlers) plivo() *adapter {
	token := h.cfg.PlivoAuthToken
	return &adapter{
		name: "plivo", get: true, secret: token,
		verify: func(r *request) error {
			sigs, nonce := r.header("X-Plivo-Signature-V3"), r.header("X-Plivo-Signature-V3-Nonce")
			if sigs == "" || nonce == "" {
				return errNoCredentials("no X-Plivo-Signature-V3 or nonce header")
			}
			var post url.Values
			if !r.isGet() {
				f, err := r.fields()
				if err != nil {
					return err
				}
				post = f
			}
			// Plivo's SDKs differ on whether the URL's query is signed
			// decoded or as sent; both are accepted.
			u := r.signedURL()
			macs := [][]byte{macOf(sha256.New, token, plivoSigned(u, r.isGet(), post, false), ".", nonce)}
			if raw := plivoSigned(u, r.isGet(), post, true); raw != plivoSigned(u, r.isGet(), post, false) {
				macs = append(macs, macOf(sha256.New, token, raw, ".", nonce))
			}
			ok := false
			for _, s := range strings.Split(sigs, ",") {
				for _, mac := range macs {
					if equalBase64(mac, s) {
						ok = true
					}
				}
			}
			if !ok {
				return errBadCredentials("X-Plivo-Signature-V3 does not match")
			}
			return nil
		},
		parse: func(r *request) ([]item, error) {
			p, err := r.fields()
			if err != nil {
				return nil, err
			}
			return []item{{in: store.Inbound{
				To:         intlNumber(p.Get("To")),
				From:       intlNumber(p.Get("From")),
				Body:       firstRaw(p, "Text", "Body"),
				SourceID:   p.Get("MessageUUID"),
				ReceivedAt: r.h.now(),
				Parts:      partCount(p.Get("Units")),
			}}}, nil
		},
		ack: ackEmpty,
	}
}

// firstRaw returns the first of the named fields that is not blank, as it
// is (message text keeps its spaces).
func firstRaw(p url.Values, names ...string) string {
	for _, n := range names {
		if v := p.Get(n); strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// plivoSigned builds the string Plivo signs (before ".nonce"), as its SDKs
// do: scheme, host and path; then "?" when there is a query or there are
// form fields; for GET the query fields "k=v" sorted and joined by "&";
// for POST the URL's query the same way (decoded, or as sent when
// rawQuery), "." when both exist, then the form fields sorted as "kv" with
// nothing between.
func plivoSigned(rawURL string, get bool, post url.Values, rawQuery bool) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	base := u.Scheme + "://" + u.Host + u.Path
	if get {
		q := u.Query()
		if len(q) == 0 {
			return base
		}
		return base + "?" + joinSorted(q, "=", "&")
	}
	if len(post) == 0 && u.RawQuery == "" {
		return base
	}
	base += "?"
	if u.RawQuery != "" {
		q := u.Query()
		if rawQuery {
			q = url.Values{}
			for _, kv := range strings.Split(u.RawQuery, "&") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					q[k] = []string{v}
				}
			}
		}
		base += joinSorted(q, "=", "&")
		if len(post) > 0 {
			base += "."
		}
	}
	return base + joinSorted(post, "", "")
}

// joinSorted writes fields sorted by name (a name's values sorted) as
// name+sep+value, joined by join.
func joinSorted(v url.Values, sep, join string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), v[k]...)
		sort.Strings(vs)
		for _, x := range vs {
			parts = append(parts, k+sep+x)
		}
	}
	return strings.Join(parts, join)
}

// --- Telnyx -----------------------------------------------------------------

// spkiEd25519 is the DER prefix of an Ed25519 public key in SPKI form.
var spkiEd25519 = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

// parseEd25519 reads a base64 Ed25519 public key, raw or in SPKI form.
func parseEd25519(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("SMSINBOX_TELNYX_PUBLIC_KEY is not base64")
	}
	if len(b) == len(spkiEd25519)+ed25519.PublicKeySize && bytes.HasPrefix(b, spkiEd25519) {
		b = b[len(spkiEd25519):]
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, errors.New("SMSINBOX_TELNYX_PUBLIC_KEY is not a 32-byte Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

func (h *Handlers) telnyx() *adapter {
	var pub ed25519.PublicKey
	return &adapter{
		name: "telnyx", secret: h.cfg.TelnyxPublicKey,
		setup: func() (err error) {
			pub, err = parseEd25519(h.cfg.TelnyxPublicKey)
			return err
		},
		verify: func(r *request) error {
			sig, ts := r.header("Telnyx-Signature-Ed25519"), r.header("Telnyx-Timestamp")
			if sig == "" || ts == "" {
				return errNoCredentials("no telnyx-signature-ed25519 or telnyx-timestamp header")
			}
			if err := r.checkFresh(ts); err != nil {
				return err
			}
			raw, err := base64.StdEncoding.DecodeString(sig)
			if err != nil || len(raw) != ed25519.SignatureSize {
				return errBadCredentials("signature is not 64 bytes of base64")
			}
			msg := make([]byte, 0, len(ts)+1+len(r.body))
			msg = append(append(append(msg, ts...), '|'), r.body...)
			if !ed25519.Verify(pub, msg, raw) {
				return errBadCredentials("Ed25519 signature does not verify")
			}
			return nil
		},
		parse: parseTelnyx,
		ack:   ackEmpty,
	}
}

type telnyxEvent struct {
	Data struct {
		EventType  string `json:"event_type"`
		OccurredAt string `json:"occurred_at"`
		Payload    struct {
			ID   string `json:"id"`
			From struct {
				PhoneNumber string `json:"phone_number"`
			} `json:"from"`
			To         json.RawMessage `json:"to"`
			Text       string          `json:"text"`
			Parts      json.RawMessage `json:"parts"`
			ReceivedAt string          `json:"received_at"`
			SentAt     string          `json:"sent_at"`
		} `json:"payload"`
	} `json:"data"`
}

// parseTelnyx reads a message.received event; other events are
// acknowledged and not stored.
func parseTelnyx(r *request) ([]item, error) {
	var ev telnyxEvent
	if err := decodeJSON(r.body, &ev); err != nil {
		return nil, err
	}
	if ev.Data.EventType != "message.received" {
		return nil, nil
	}
	p := ev.Data.Payload
	received, err := parseTime("received_at", coalesce(p.ReceivedAt, ev.Data.OccurredAt))
	if err != nil {
		return nil, err
	}
	sent, err := parseTime("sent_at", p.SentAt)
	if err != nil {
		return nil, err
	}
	return []item{{in: store.Inbound{
		To:         telnyxTo(p.To),
		From:       p.From.PhoneNumber,
		Body:       p.Text,
		SourceID:   p.ID,
		SentAt:     sent,
		ReceivedAt: received,
		Parts:      partCount(jsonString(p.Parts)),
	}}}, nil
}

// telnyxTo reads the first receiving number of "to": a list of objects
// with phone_number, or a plain string.
func telnyxTo(raw json.RawMessage) string {
	var list []struct {
		PhoneNumber string `json:"phone_number"`
	}
	if json.Unmarshal(raw, &list) == nil {
		for _, t := range list {
			if t.PhoneNumber != "" {
				return t.PhoneNumber
			}
		}
		return ""
	}
	return jsonString(raw)
}

// --- Sinch ------------------------------------------------------------------

func (h *Handlers) sinch() *adapter {
	secret := h.cfg.SinchSecret
	return &adapter{
		name: "sinch", secret: secret,
		verify: func(r *request) error {
			sig := r.header("X-Sinch-Webhook-Signature")
			ts := r.header("X-Sinch-Webhook-Signature-Timestamp")
			nonce := r.header("X-Sinch-Webhook-Signature-Nonce")
			if sig == "" || ts == "" || nonce == "" {
				return errNoCredentials("no x-sinch-webhook-signature, -timestamp or -nonce header")
			}
			if err := r.checkFresh(ts); err != nil {
				return err
			}
			hf := sha256.New
			switch alg := r.header("X-Sinch-Webhook-Signature-Algorithm"); alg {
			case "", "HmacSHA256":
			case "HmacSHA512":
				hf = sha512.New
			default:
				return errBadCredentials("unknown algorithm " + clip(alg, 20))
			}
			if !equalBase64(macOf(hf, secret, string(r.body), ".", nonce, ".", ts), sig) {
				return errBadCredentials("x-sinch-webhook-signature does not match")
			}
			return nil
		},
		parse: parseSinch,
		ack:   ackEmpty,
	}
}

// parseSinch reads an mo_text or mo_binary callback; delivery reports and
// other callbacks are acknowledged and not stored.
func parseSinch(r *request) ([]item, error) {
	var m struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		From       string `json:"from"`
		To         string `json:"to"`
		Body       string `json:"body"`
		SentAt     string `json:"sent_at"`
		SendAt     string `json:"send_at"`
		ReceivedAt string `json:"received_at"`
	}
	if err := decodeJSON(r.body, &m); err != nil {
		return nil, err
	}
	in := store.Inbound{To: intlNumber(m.To), From: intlNumber(m.From), SourceID: m.ID}
	switch m.Type {
	case "mo_text":
		in.Body = m.Body
	case "mo_binary":
		b, err := base64.StdEncoding.DecodeString(m.Body)
		if err != nil {
			return nil, badRequest("The binary body is not base64.")
		}
		in.Binary = b
	default:
		return nil, nil
	}
	var err error
	if in.ReceivedAt, err = parseTime("received_at", m.ReceivedAt); err != nil {
		return nil, err
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = r.h.now()
	}
	if in.SentAt, err = parseTime("sent_at", coalesce(m.SentAt, m.SendAt)); err != nil {
		return nil, err
	}
	return []item{{in: in}}, nil
}

// --- SMS Gateway for Android ------------------------------------------------

func (h *Handlers) smsgate() *adapter {
	key := h.cfg.SMSGateSigningKey
	return &adapter{
		name: "smsgate", secret: key,
		verify: func(r *request) error {
			sig, ts := r.header("X-Signature"), r.header("X-Timestamp")
			if sig == "" || ts == "" {
				return errNoCredentials("no X-Signature or X-Timestamp header")
			}
			if err := r.checkFresh(ts); err != nil {
				return err
			}
			if !equalHex(macOf(sha256.New, key, string(r.body), ts), sig) {
				return errBadCredentials("X-Signature does not match")
			}
			return nil
		},
		parse: parseSMSGate,
		ack:   ackEmpty,
	}
}

// parseSMSGate reads sms:received (and sms:data-received) events; other
// events are acknowledged and not stored. The app does not always know the
// SIM's own number: then ?simN= (for SIM N) or ?to= of the webhook URL
// gives it.
func parseSMSGate(r *request) ([]item, error) {
	var ev struct {
		ID      string `json:"id"`
		Event   string `json:"event"`
		Payload struct {
			MessageID   string          `json:"messageId"`
			Message     string          `json:"message"`
			Data        string          `json:"data"`
			Sender      string          `json:"sender"`
			PhoneNumber string          `json:"phoneNumber"`
			Recipient   string          `json:"recipient"`
			SimNumber   json.RawMessage `json:"simNumber"`
			ReceivedAt  string          `json:"receivedAt"`
		} `json:"payload"`
	}
	if err := decodeJSON(r.body, &ev); err != nil {
		return nil, err
	}
	p := ev.Payload
	in := store.Inbound{
		From:     coalesce(p.Sender, p.PhoneNumber),
		SourceID: coalesce(p.MessageID, ev.ID),
	}
	switch ev.Event {
	case "sms:received":
		in.Body = p.Message
	case "sms:data-received":
		b, err := base64.StdEncoding.DecodeString(p.Data)
		if err != nil {
			return nil, badRequest("The field \"data\" is not base64.")
		}
		in.Binary = b
	default:
		return nil, nil
	}
	in.To = first(r.query.Get, "sim"+jsonString(p.SimNumber), "to")
	if p.Recipient != "" {
		in.To = p.Recipient
	}
	var err error
	if in.ReceivedAt, err = parseTime("receivedAt", p.ReceivedAt); err != nil {
		return nil, err
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = r.h.now()
	}
	return []item{{in: in}}, nil
}
