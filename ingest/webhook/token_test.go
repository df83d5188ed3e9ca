package webhook

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

var tokenCfg = Config{IngestToken: testToken}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// --- Infobip ----------------------------------------------------------------

// infobipBody is a forwarded batch as Infobip documents it (MO_JSON_2),
// with a second message added.
const infobipBody = `{"results":[{"messageId":"817790313235066447","from":"385916242493","to":"385921004026","text":"QUIZ Correct answer is Paris",
 "cleanText":"Correct answer is Paris","keyword":"QUIZ","receivedAt":"2016-10-06T09:28:39.220+0000","smsCount":1,
 "price":{"pricePerMessage":0,"currency":"EUR"},"callbackData":"callbackData"},
 {"messageId":"817790313235066448","from":"InfoSMS","to":"385921004026","text":"Your code is 4411","cleanText":"","keyword":"",
 "receivedAt":"2016-10-06T09:28:41.000+0200","smsCount":2,"price":{"pricePerMessage":0,"currency":"EUR"}}],
 "messageCount":2,"pendingMessageCount":0}`

func TestInfobip(t *testing.T) {
	post := func(body string, headers ...string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", "/ingest/infobip", body, append([]string{"Content-Type", "application/json"}, headers...)...)
		}
	}
	runCases(t, tokenCfg, []providerCase{
		{name: "batch", req: post(infobipBody, bearer(testToken)...), status: 200, rows: 2,
			check: func(t *testing.T, msgs []store.Message, _ answer) {
				byID := map[string]store.Message{}
				for _, m := range msgs {
					byID[m.SourceID] = m
				}
				m := byID["817790313235066447"]
				if m.From != "+385916242493" || m.Number != "+385921004026" || m.Body != "QUIZ Correct answer is Paris" {
					t.Errorf("first message %+v", m)
				}
				if want := time.Date(2016, 10, 6, 9, 28, 39, 220e6, time.UTC); !m.ReceivedAt.Equal(want) {
					t.Errorf("received at %v, want %v", m.ReceivedAt, want)
				}
				m = byID["817790313235066448"]
				if want := time.Date(2016, 10, 6, 7, 28, 41, 0, time.UTC); !m.ReceivedAt.Equal(want) || m.From != "InfoSMS" || m.Parts != 2 {
					t.Errorf("second message %+v", m)
				}
			}},
		{name: "token in the query", req: func() *http.Request {
			return newRequest("POST", "/ingest/infobip?token="+testToken, infobipBody, "Content-Type", "application/json")
		}, status: 200, rows: 2},
		{name: "retry", req: post(infobipBody, bearer(testToken)...), times: 2, status: 200, rows: 2},
		{name: "empty batch", req: post(`{"results":[],"messageCount":0,"pendingMessageCount":0}`, bearer(testToken)...), status: 200, rows: 0},
		{name: "missing token", req: post(infobipBody), status: 401, rows: 0},
		{name: "wrong token", req: post(infobipBody, bearer("guess")...), status: 403, rows: 0, check: noDetail(testToken)},
		{name: "basic auth is not the token", req: post(infobipBody, "Authorization", "Basic "+testToken), status: 401, rows: 0},
		{name: "bad time", req: post(`{"results":[{"messageId":"1","from":"385916242493","to":"385921004026","text":"x","receivedAt":"yesterday"}]}`, bearer(testToken)...), status: 400, rows: 0, body: "receivedAt"},
		{name: "one message without text refuses the batch", req: post(strings.Replace(infobipBody, `"Your code is 4411"`, `""`, 1), bearer(testToken)...), status: 400, rows: 0},
		{name: "body over 64 KiB", req: post(strings.Repeat(" ", MaxBody+1), bearer(testToken)...), status: 413, rows: 0},
	})
}

// --- SMSSync ----------------------------------------------------------------

// smssyncForm is a message as SMSSync posts it.
func smssyncForm(secret string) url.Values {
	return url.Values{
		"from": {"+447400123456"}, "message": {"Your Uber code is 4471"}, "message_id": {"36d1a2b4-7c2e-4f8a-9d51-0c7e5e1f0a11"},
		"sent_to": {"+14155550199"}, "secret": {secret}, "device_id": {"1"}, "sent_timestamp": {"1795168790000"},
	}
}

func TestSMSSync(t *testing.T) {
	post := func(f url.Values) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", "/ingest/smssync", f.Encode(), "Content-Type", formType)
		}
	}
	noTo := smssyncForm(testToken)
	noTo.Del("sent_to")
	seconds := smssyncForm(testToken)
	seconds.Set("sent_timestamp", "1795168790")
	runCases(t, tokenCfg, []providerCase{
		{name: "success", req: post(smssyncForm(testToken)), status: 200, rows: 1, body: `{"payload":{"success":true,"error":null}}`,
			check: func(t *testing.T, msgs []store.Message, a answer) {
				wantMessage("+447400123456", "+14155550199", "Your Uber code is 4471", "smssync", "36d1a2b4-7c2e-4f8a-9d51-0c7e5e1f0a11", testNow)(t, msgs, a)
				if want := time.UnixMilli(1795168790000); !msgs[0].SentAt.Equal(want) {
					t.Errorf("sent at %v, want %v", msgs[0].SentAt, want)
				}
			}},
		{name: "seconds timestamp", req: post(seconds), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, _ answer) {
			if want := time.Unix(1795168790, 0); !msgs[0].SentAt.Equal(want) {
				t.Errorf("sent at %v, want %v", msgs[0].SentAt, want)
			}
		}},
		{name: "receiving number from ?to=", req: func() *http.Request {
			return newRequest("POST", "/ingest/smssync?to=%2B14155550199", noTo.Encode(), "Content-Type", formType)
		}, status: 200, rows: 1},
		{name: "retry", req: post(smssyncForm(testToken)), times: 2, status: 200, rows: 1},
		{name: "wrong secret", req: post(smssyncForm("guess")), status: 403, rows: 0, body: `"success":false`, check: noDetail(testToken)},
		{name: "no secret", req: post(smssyncForm("")), status: 401, rows: 0, body: `"success":false`},
		{name: "no receiving number", req: post(noTo), status: 400, rows: 0, body: `"success":false`},
		{name: "body over 64 KiB", req: func() *http.Request {
			return newRequest("POST", "/ingest/smssync", bigBody, "Content-Type", formType)
		}, status: 413, rows: 0, body: `"success":false`},
	})
}

// --- Kannel -----------------------------------------------------------------

func TestKannel(t *testing.T) {
	get := func(q url.Values) func() *http.Request {
		return func() *http.Request { return newRequest("GET", "/ingest/kannel?"+q.Encode(), "") }
	}
	base := func() url.Values {
		return url.Values{"token": {testToken}, "from": {"+447400123456"}, "to": {"+14155550199"}, "text": {"Your code is 3321"},
			"coding": {"0"}, "charset": {"UTF-8"}, "ts": {"1795168790"}, "id": {"b8a1c3d2-1f2e-4a5b-9c8d-7e6f5a4b3c2d"}, "smsc": {"gsm1"}}
	}
	ucs2 := base()
	ucs2.Set("coding", "2")
	ucs2.Set("charset", "UTF-16BE")
	ucs2.Set("text", string([]byte{0x04, 0x1a, 0x04, 0x3e, 0x04, 0x34, 0x00, 0x3a, 0x00, 0x20, 0x00, 0x37, 0x00, 0x37, 0xd8, 0x3d, 0xde, 0x00}))
	odd := base()
	odd.Set("coding", "2")
	odd.Set("charset", "UTF-16BE")
	odd.Set("text", "\x04")
	bin := base()
	bin.Set("coding", "1")
	bin.Set("charset", "8-BIT")
	bin.Set("text", "\x00\x01\xfe")
	// Without %C in the template only Kannel's coding tells: 1 is 8-bit
	// data, 2 UCS-2.
	ucs2Bare := base()
	ucs2Bare.Set("coding", "2")
	ucs2Bare.Del("charset")
	ucs2Bare.Set("text", ucs2.Get("text"))
	binBare := base()
	binBare.Set("coding", "1")
	binBare.Del("charset")
	binBare.Set("text", "\x00\x01\xfe")
	latin := base()
	latin.Set("charset", "ISO-8859-1")
	latin.Set("text", "Code \xe9t\xe9 42")
	badUTF8 := base()
	badUTF8.Set("text", "Code \xe9 42")
	noToken := base()
	noToken.Del("token")
	wrong := base()
	wrong.Set("token", "guess")
	wantUCS2 := func(t *testing.T, msgs []store.Message, _ answer) {
		if msgs[0].Body != "Код: 77😀" {
			t.Errorf("body %q", msgs[0].Body)
		}
	}
	wantBinary := func(t *testing.T, msgs []store.Message, _ answer) {
		if hex.EncodeToString(msgs[0].Binary) != "0001fe" || msgs[0].Body != "" {
			t.Errorf("binary %x body %q", msgs[0].Binary, msgs[0].Body)
		}
	}
	runCases(t, tokenCfg, []providerCase{
		{name: "get-url", req: get(base()), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, a answer) {
			wantMessage("+447400123456", "+14155550199", "Your code is 3321", "kannel", "b8a1c3d2-1f2e-4a5b-9c8d-7e6f5a4b3c2d", testNow)(t, msgs, a)
			if a.body != "" {
				t.Errorf("answer body %q would be sent back as an SMS", a.body)
			}
		}},
		{name: "UCS-2", req: get(ucs2), status: 200, rows: 1, check: wantUCS2},
		{name: "8-bit is binary", req: get(bin), status: 200, rows: 1, check: wantBinary},
		{name: "UCS-2 by coding alone", req: get(ucs2Bare), status: 200, rows: 1, check: wantUCS2},
		{name: "8-bit by coding alone", req: get(binBare), status: 200, rows: 1, check: wantBinary},
		{name: "Latin-1", req: get(latin), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, _ answer) {
			if msgs[0].Body != "Code été 42" {
				t.Errorf("body %q", msgs[0].Body)
			}
		}},
		{name: "POST form", req: func() *http.Request {
			f := base()
			f.Del("token")
			return newRequest("POST", "/ingest/kannel?token="+testToken, f.Encode(), "Content-Type", formType)
		}, status: 200, rows: 1},
		{name: "retry", req: get(base()), times: 2, status: 200, rows: 1},
		{name: "odd UCS-2", req: get(odd), status: 400, rows: 0, body: "odd"},
		{name: "invalid UTF-8", req: get(badUTF8), status: 400, rows: 0, body: "UTF-8"},
		{name: "missing token", req: get(noToken), status: 401, rows: 0},
		{name: "wrong token", req: get(wrong), status: 403, rows: 0},
	})
}

// --- Jasmin -----------------------------------------------------------------

func TestJasmin(t *testing.T) {
	post := func(f url.Values, token string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", "/ingest/jasmin?token="+token, f.Encode(), "Content-Type", formType)
		}
	}
	// The documented sample, with a receiving number in international form.
	sample, _ := url.ParseQuery("id=16fd2706-8baf-433b-82eb-8c7fada847da&from=%2B21620203060&to=%2B447400123456&origin-connector=MTN&priority=1&coding=0&content=Hello+world+!+Code+1234")
	ucs2 := url.Values{"id": {"a1"}, "from": {"+21620203060"}, "to": {"+447400123456"}, "coding": {"8"}, "content": {"\x06\x27\x06\x44\x00\x20\x00\x35"}}
	withBinary := url.Values{"id": {"a2"}, "from": {"+21620203060"}, "to": {"+447400123456"}, "coding": {"8"}, "content": {"?"}, "binary": {"06270644"}}
	runCases(t, tokenCfg, []providerCase{
		{name: "success", req: post(sample, testToken), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, a answer) {
			if a.body != "ACK/Jasmin" {
				t.Errorf("answer %q, want exactly ACK/Jasmin", a.body)
			}
			wantMessage("+21620203060", "+447400123456", "Hello world ! Code 1234", "jasmin", "16fd2706-8baf-433b-82eb-8c7fada847da", testNow)(t, msgs, a)
		}},
		{name: "GET", req: func() *http.Request {
			return newRequest("GET", "/ingest/jasmin?token="+testToken+"&"+sample.Encode(), "")
		}, status: 200, rows: 1, body: "ACK/Jasmin"},
		{name: "UCS-2", req: post(ucs2, testToken), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, _ answer) {
			if msgs[0].Body != "ال 5" {
				t.Errorf("body %q", msgs[0].Body)
			}
		}},
		{name: "binary field", req: post(withBinary, testToken), status: 200, rows: 1, check: func(t *testing.T, msgs []store.Message, _ answer) {
			if msgs[0].Body != "ال" {
				t.Errorf("body %q", msgs[0].Body)
			}
		}},
		{name: "retry", req: post(sample, testToken), times: 3, status: 200, rows: 1, body: "ACK/Jasmin"},
		{name: "wrong token", req: post(sample, "guess"), status: 403, rows: 0},
		{name: "missing content", req: post(url.Values{"id": {"x"}, "from": {"+21620203060"}, "to": {"+447400123456"}}, testToken), status: 400, rows: 0},
	})
}

// --- Generic JSON -----------------------------------------------------------

func TestGenericJSON(t *testing.T) {
	post := func(path, body string, headers ...string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", path, body, append([]string{"Content-Type", "application/json"}, headers...)...)
		}
	}
	one := `{"to":"+447400123456","from":"WhatsApp","body":"Your WhatsApp code: 123-456","received_at":"2026-11-20T10:00:03Z","sent_at":"2026-11-20T10:00:01Z","source":"twilio","id":"SM0123"}`
	array := `[{"to":"+447400123456","from":"WhatsApp","body":"Your WhatsApp code: 123-456","id":"a1"},{"to":"+447400123456","from":"G-Pay","body":"G-123456 is your code","id":"a2"}]`
	// The default template of android_income_sms_gateway_webhook.
	forwarder := `{"from":"+447400999888","text":"Code 9090","sentStamp":"1795168790000","receivedStamp":1795168791500,"sim":"SIM1"}`
	smsHub := url.Values{"deviceId": {"abc"}, "number": {"Steam"}, "message": {"Steam Guard code: 7XK2P"}, "action": {"RECEIVED"}}
	runCases(t, tokenCfg, []providerCase{
		{name: "one object", req: post("/ingest/json", one, bearer(testToken)...), status: 200, rows: 1, body: `"stored":1`,
			check: func(t *testing.T, msgs []store.Message, a answer) {
				wantMessage("WhatsApp", "+447400123456", "Your WhatsApp code: 123-456", "twilio", "SM0123", time.Date(2026, 11, 20, 10, 0, 3, 0, time.UTC))(t, msgs, a)
				if d, ok := msgs[0].Delay(); !ok || d != 2*time.Second {
					t.Errorf("delay %v %v, want 2s", d, ok)
				}
			}},
		{name: "array", req: post("/ingest/json", array, bearer(testToken)...), status: 200, rows: 2, body: `"stored":2`},
		{name: "retry", req: post("/ingest/json", one, bearer(testToken)...), times: 2, status: 200, rows: 1},
		{name: "forwarder app aliases", req: post("/ingest/json?to=%2B14155550199", forwarder, bearer(testToken)...), status: 200, rows: 1,
			check: func(t *testing.T, msgs []store.Message, a answer) {
				wantMessage("+447400999888", "+14155550199", "Code 9090", "json", "", time.UnixMilli(1795168791500))(t, msgs, a)
				if !msgs[0].SentAt.Equal(time.UnixMilli(1795168790000)) {
					t.Errorf("sent at %v", msgs[0].SentAt)
				}
			}},
		{name: "form fields", req: func() *http.Request {
			return newRequest("POST", "/ingest/json?to=%2B14155550199", smsHub.Encode(), append([]string{"Content-Type", formType}, bearer(testToken)...)...)
		}, status: 200, rows: 1, check: wantMessage("Steam", "+14155550199", "Steam Guard code: 7XK2P", "json", "", testNow)},
		{name: "missing to", req: post("/ingest/json", `{"from":"x","body":"y"}`, bearer(testToken)...), status: 400, rows: 0, body: `\"to\"`},
		{name: "array item without body", req: post("/ingest/json", `[{"to":"+447400123456","from":"a","body":"b"},{"to":"+447400123456","from":"a"}]`, bearer(testToken)...), status: 400, rows: 0, body: "Message 2"},
		{name: "empty array", req: post("/ingest/json", `[]`, bearer(testToken)...), status: 400, rows: 0},
		{name: "bad time", req: post("/ingest/json", `{"to":"+447400123456","from":"a","body":"b","sent_at":"Tuesday"}`, bearer(testToken)...), status: 400, rows: 0, body: "sent_at"},
		{name: "not JSON", req: post("/ingest/json", `{"to":`, bearer(testToken)...), status: 400, rows: 0, body: "not valid JSON"},
		{name: "JSON but not an object", req: post("/ingest/json", `"hello"`, bearer(testToken)...), status: 400, rows: 0},
		{name: "invalid UTF-8", req: post("/ingest/json", "{\"to\":\"+447400123456\",\"from\":\"a\",\"body\":\"\xff\"}", bearer(testToken)...), status: 400, rows: 0, body: "UTF-8"},
		{name: "missing token", req: post("/ingest/json", one), status: 401, rows: 0},
		{name: "wrong token", req: post("/ingest/json", one, bearer(testToken+"x")...), status: 403, rows: 0},
		{name: "body over 64 KiB", req: post("/ingest/json", strings.Repeat(" ", MaxBody+1), bearer(testToken)...), status: 413, rows: 0},
	})
}

// TestUnconfigured checks that a provider without its secret is not served.
func TestUnconfigured(t *testing.T) {
	s := newServer(t, Config{TwilioAuthToken: twilioToken}, "")
	for _, p := range []string{"vonage", "plivo", "telnyx", "sinch", "smsgate", "infobip", "smssync", "kannel", "jasmin", "json", "nosuch"} {
		if a := s.do(newRequest("POST", "/ingest/"+p, "{}")); a.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, a.status)
		}
	}
	if got := s.h.Providers(); len(got) != 1 || got[0] != "twilio" {
		t.Errorf("providers on: %v", got)
	}
}

// TestMetrics checks the counters of outcomes and signature failures.
func TestMetrics(t *testing.T) {
	s := newServer(t, tokenCfg, "")
	one := `{"to":"+447400123456","from":"a","body":"b","id":"m1"}`
	send := func(tok string) int {
		return s.do(newRequest("POST", "/ingest/json", one, bearer(tok)...)).status
	}
	for _, tc := range []struct {
		tok  string
		want int
	}{{testToken, 200}, {testToken, 200}, {"bad", 403}, {"bad", 403}} {
		if got := send(tc.tok); got != tc.want {
			t.Fatalf("status %d, want %d", got, tc.want)
		}
	}
	for outcome, want := range map[string]float64{outcomeStored: 1, outcomeDuplicate: 1, outcomeUnauth: 2} {
		if got := s.counter("json", outcome); got != want {
			t.Errorf("%s = %v, want %v", outcome, got, want)
		}
	}
	if got := s.sigFailures("json"); got != 2 {
		t.Errorf("signature failures = %v, want 2", got)
	}
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	if !names["smsinbox_webhook_requests_total"] || !names["smsinbox_webhook_signature_failures_total"] {
		t.Errorf("registered metrics: %v", names)
	}
	// Building the handlers again on the same registry does not panic and
	// keeps counting into the same series.
	h2 := New(s.st, Config{IngestToken: testToken, Registerer: s.reg})
	if h2.metrics.requests != s.h.metrics.requests {
		t.Error("a second New on one registry made new counters")
	}
}

// TestConfigFromEnv checks the variable names.
func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"SMSINBOX_PUBLIC_URL": "https://sms.example.com/", "SMSINBOX_TWILIO_AUTH_TOKEN": "tw",
		"SMSINBOX_VONAGE_SIGNATURE_SECRET": "vs", "SMSINBOX_VONAGE_SIGNATURE_METHOD": "SHA256",
		"SMSINBOX_PLIVO_AUTH_TOKEN": "pl", "SMSINBOX_TELNYX_PUBLIC_KEY": "tk", "SMSINBOX_SINCH_SECRET": "si",
		"SMSINBOX_SMSGATE_SIGNING_KEY": "sg", "SMSINBOX_INGEST_TOKEN": "it",
	}
	cfg := ConfigFromEnv(func(k string) string { return env[k] })
	got, _ := json.Marshal([]string{cfg.PublicURL, cfg.TwilioAuthToken, cfg.VonageSignatureSecret, cfg.VonageSignatureMethod,
		cfg.PlivoAuthToken, cfg.TelnyxPublicKey, cfg.SinchSecret, cfg.SMSGateSigningKey, cfg.IngestToken})
	if want := `["https://sms.example.com/","tw","vs","sha256","pl","tk","si","sg","it"]`; string(got) != want {
		t.Errorf("config %s, want %s", got, want)
	}
}

// TestMethodNotAllowed checks that a provider that never calls with GET
// does not take it.
func TestMethodNotAllowed(t *testing.T) {
	s := newServer(t, tokenCfg, "")
	if a := s.do(newRequest("GET", "/ingest/json?token="+testToken, "")); a.status != http.StatusMethodNotAllowed {
		t.Errorf("status %d, want 405", a.status)
	}
}
