package webhook

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// FuzzAdapters feeds any body, content type and signature headers to every
// provider's verify and parse: none may panic, and every refusal must be a
// failure with a 4xx status and one sentence.
func FuzzAdapters(f *testing.F) {
	for _, seed := range []string{
		twilioForm().Encode(), telnyxBody, sinchBody, smsgateBody, infobipBody, `[{"to":1}]`, `{"results":[null]}`,
		`{"data":{"event_type":"message.received","payload":{"to":"x","from":{}}}}`, `{"type":"mo_binary","body":"@@"}`,
		`{"event":"sms:data-received","payload":{"data":"%"}}`, "concat=true&concat-part=9&concat-total=2&msisdn=1&to=2",
		"coding=3&text=%01&to=1&from=2", "coding=8&binary=zz", "\xff\xfe", "", "null", "[]", "{}", "%",
	} {
		f.Add(seed, "application/json", "1795168790", "c2ln")
		f.Add(seed, formType, "", "")
	}
	pub := make([]byte, ed25519.PublicKeySize)
	h := New(nil, Config{
		TwilioAuthToken: "t", VonageSignatureSecret: "v", PlivoAuthToken: "p", SinchSecret: "s",
		TelnyxPublicKey: base64.StdEncoding.EncodeToString(pub), SMSGateSigningKey: "g", IngestToken: "i",
	})
	if len(h.adapters) != 11 {
		f.Fatalf("%d providers on, want 11", len(h.adapters))
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body, ctype, ts, sig string) {
		for _, a := range h.adapters {
			req := httptest.NewRequest("POST", "/ingest/"+a.name+"?to=%2B447400123456&token=i", strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			for _, name := range []string{"X-Twilio-Signature", "X-Plivo-Signature-V3", "X-Plivo-Signature-V3-Nonce", "Telnyx-Signature-Ed25519",
				"X-Sinch-Webhook-Signature", "X-Sinch-Webhook-Signature-Nonce", "X-Signature"} {
				req.Header.Set(name, sig)
			}
			for _, name := range []string{"Telnyx-Timestamp", "X-Sinch-Webhook-Signature-Timestamp", "X-Timestamp"} {
				req.Header.Set(name, ts)
			}
			c := e.NewContext(req, httptest.NewRecorder())
			r, err := h.read(c)
			if err != nil {
				continue
			}
			check := func(step string, err error) {
				if err == nil {
					return
				}
				fl, ok := err.(*failure)
				if !ok || fl.status < 400 || fl.status > 499 || fl.msg == "" || strings.Contains(fl.msg, "\n") {
					t.Fatalf("%s %s: %v (%T)", a.name, step, err, err)
				}
			}
			check("verify", a.verify(r))
			items, err := a.parse(r)
			check("parse", err)
			if err == nil {
				check("check", checkItems(a.name, testNow, items))
			}
		}
	})
}
