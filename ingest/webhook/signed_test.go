package webhook

import (
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

// --- Twilio -----------------------------------------------------------------

const twilioToken = "twilio-auth-token-0c1d"

// twilioForm is an incoming-message webhook body as Twilio documents it.
func twilioForm() url.Values {
	v, _ := url.ParseQuery("ToCountry=US&ToState=CA&SmsMessageSid=SM5ab0f6a9d5a24b5cbc3a8a55d1d9b0c1&NumMedia=0&ToCity=&FromZip=&SmsSid=SM5ab0f6a9d5a24b5cbc3a8a55d1d9b0c1&FromState=&SmsStatus=received&FromCity=&Body=Your+code+is+123456&FromCountry=US&To=%2B15005550006&MessagingServiceSid=MG0f1e2d3c4b5a69788796a5b4c3d2e1f0&ToZip=&NumSegments=1&MessageSid=SM5ab0f6a9d5a24b5cbc3a8a55d1d9b0c1&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B14155550100&ApiVersion=2010-04-01")
	return v
}

// twilioSign computes X-Twilio-Signature as Twilio's documentation
// describes it: the URL, then each POST field name and value, sorted.
func twilioSign(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		for _, v := range form[k] {
			s += k + v
		}
	}
	return hmacB64(sha1.New, token, s)
}

func twilioPost(form url.Values, sig string) func() *http.Request {
	return func() *http.Request {
		return newRequest("POST", "/ingest/twilio", form.Encode(), "Content-Type", formType, "X-Twilio-Signature", sig)
	}
}

func TestTwilio(t *testing.T) {
	u := publicURL + "/ingest/twilio"
	good := twilioForm()
	edit := func(k, v string) url.Values {
		f := twilioForm()
		f.Set(k, v)
		return f
	}
	jsonBody := `{"MessageSid":"SM0000000000000000000000000000json","From":"+14155550100","To":"+15005550006","Body":"JSON 4242"}`
	jsonURL := u + "?bodySHA256=" + sha256Hex(jsonBody)
	getQuery := "/ingest/twilio?" + good.Encode()
	runCases(t, Config{TwilioAuthToken: twilioToken}, []providerCase{
		{name: "success", req: twilioPost(good, twilioSign(twilioToken, u, good)), status: 200, rows: 1,
			body: "<Response></Response>",
			check: func(t *testing.T, msgs []store.Message, a answer) {
				if !strings.HasPrefix(a.ctype, "text/xml") {
					t.Errorf("content type %q, want text/xml", a.ctype)
				}
				wantMessage("+14155550100", "+15005550006", "Your code is 123456", "twilio", "SM5ab0f6a9d5a24b5cbc3a8a55d1d9b0c1", testNow)(t, msgs, a)
				if msgs[0].Published {
					t.Error("a message to a number never added is published")
				}
			}},
		{name: "retry stores one row", req: twilioPost(good, twilioSign(twilioToken, u, good)), times: 3, status: 200, rows: 1, body: "<Response>"},
		{name: "segments", req: twilioPost(edit("NumSegments", "3"), twilioSign(twilioToken, u, edit("NumSegments", "3"))), status: 200, rows: 1, check: wantParts(3)},
		{name: "signed with :443", req: twilioPost(good, twilioSign(twilioToken, "https://sms.example.com:443/ingest/twilio", good)), status: 200, rows: 1},
		{name: "GET", req: func() *http.Request {
			return newRequest("GET", getQuery, "", "X-Twilio-Signature", twilioSign(twilioToken, publicURL+getQuery, nil))
		}, status: 200, rows: 1},
		{name: "JSON body with bodySHA256", req: func() *http.Request {
			return newRequest("POST", strings.TrimPrefix(jsonURL, publicURL), jsonBody, "Content-Type", "application/json",
				"X-Twilio-Signature", twilioSign(twilioToken, jsonURL, nil))
		}, status: 200, rows: 1, check: wantMessage("+14155550100", "+15005550006", "JSON 4242", "twilio", "SM0000000000000000000000000000json", testNow)},
		{name: "JSON body changed after hashing", req: func() *http.Request {
			return newRequest("POST", strings.TrimPrefix(jsonURL, publicURL), strings.Replace(jsonBody, "4242", "9999", 1), "Content-Type", "application/json",
				"X-Twilio-Signature", twilioSign(twilioToken, jsonURL, nil))
		}, status: 403, rows: 0},
		{name: "missing signature", req: twilioPost(good, ""), status: 401, rows: 0},
		{name: "wrong signature", req: twilioPost(good, twilioSign("another-token", u, good)), status: 403, rows: 0, check: noDetail(twilioSign(twilioToken, u, good))},
		{name: "signature of other fields", req: twilioPost(edit("Body", "Your code is 000000"), twilioSign(twilioToken, u, good)), status: 403, rows: 0},
		{name: "signed for another URL", req: twilioPost(good, twilioSign(twilioToken, "https://evil.example/ingest/twilio", good)), status: 403, rows: 0},
		{name: "body over 64 KiB", req: func() *http.Request {
			return newRequest("POST", "/ingest/twilio", bigBody, "Content-Type", formType, "X-Twilio-Signature", "x")
		}, status: 413, rows: 0},
		{name: "empty body text", req: twilioPost(edit("Body", ""), twilioSign(twilioToken, u, edit("Body", ""))), status: 400, rows: 0, body: "no text"},
		{name: "empty sender", req: twilioPost(edit("From", " "), twilioSign(twilioToken, u, edit("From", " "))), status: 400, rows: 0, body: "no sender"},
		{name: "invalid UTF-8", req: twilioPost(edit("Body", "code \xff\xfe"), twilioSign(twilioToken, u, edit("Body", "code \xff\xfe"))), status: 400, rows: 0, body: "UTF-8"},
		{name: "receiving number that is not a number", req: twilioPost(edit("To", "nobody"), twilioSign(twilioToken, u, edit("To", "nobody"))), status: 400, rows: 0},
		{name: "unparseable form", req: func() *http.Request {
			return newRequest("POST", "/ingest/twilio", "Body=%zz", "Content-Type", formType, "X-Twilio-Signature", "x")
		}, status: 400, rows: 0, body: "not a valid form"},
	})
}

// TestTwilioVectors checks the signature against the vectors of twilio-go's
// client/request_validator_test.go.
func TestTwilioVectors(t *testing.T) {
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	u := "https://mycompany.com/myapp.php?foo=1&bar=2"
	for _, tc := range []struct{ url, sig string }{
		{u, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="},
		// The same URL signed without the port validates against the URL
		// with it, and the other way round.
		{"https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{u, "kvajT1Ptam85bY51eRf/AJRuM3w="},
	} {
		if !twilioValid("12345", tc.url, twilioParams(params), tc.sig) {
			t.Errorf("%s with %s does not validate", tc.url, tc.sig)
		}
	}
	if twilioValid("12345", u, twilioParams(params), "RSOYDt4T1cUTdK1PDd93/VVr8C8=") {
		t.Error("a wrong signature validates")
	}
	body := `{"property": "value", "boolean": true}`
	if got, want := sha256Hex(body), "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"; got != want {
		t.Errorf("body hash %s, want %s", got, want)
	}
	if !twilioValid("12345", u+"&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", "", "a9nBmqA0ju/hNViExpshrM61xv4=") {
		t.Error("the body-hash vector does not validate")
	}
	// Repeated names: values are sorted within their name.
	if got, want := twilioParams(url.Values{"b": {"2", "1"}, "a": {"z"}}), "azb1b2"; got != want {
		t.Errorf("twilioParams = %q, want %q", got, want)
	}
}

// --- Vonage -----------------------------------------------------------------

const vonageSecret = "vonage-signature-secret"

// vonageFields is an inbound SMS as the Vonage SMS API sends it.
func vonageFields(ts time.Time) url.Values {
	return url.Values{
		"msisdn":            {"447400123456"},
		"to":                {"14155550199"},
		"messageId":         {"0A0000000123ABCD1"},
		"text":              {"Hello! Your code is 8841"},
		"type":              {"text"},
		"keyword":           {"HELLO!"},
		"api-key":           {"abcd1234"},
		"message-timestamp": {ts.UTC().Format("2006-01-02 15:04:05")},
		"timestamp":         {strconv.FormatInt(ts.Unix(), 10)},
		"nonce":             {"e3d0f9a2-5b0c-4a9e-9f0e-3c1b2a9d8e7f"},
	}
}

// vonageSign signs fields as Vonage documents it for the method.
func vonageSign(method, secret string, f url.Values) url.Values {
	out := url.Values{}
	keys := []string{}
	for k, v := range f {
		out[k] = v
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += "&" + k + "=" + strings.NewReplacer("&", "_", "=", "_").Replace(f.Get(k))
	}
	var sig string
	switch method {
	case "md5hash":
		sum := md5.Sum([]byte(s + secret))
		sig = hex.EncodeToString(sum[:])
	case "md5":
		sig = hmacHex(md5.New, secret, s)
	case "sha1":
		sig = hmacHex(sha1.New, secret, s)
	case "sha256":
		sig = hmacHex(sha256.New, secret, s)
	case "sha512":
		sig = strings.ToUpper(hmacHex(sha512.New, secret, s))
	}
	out.Set("sig", sig)
	return out
}

func vonageGet(f url.Values) func() *http.Request {
	return func() *http.Request { return newRequest("GET", "/ingest/vonage?"+f.Encode(), "") }
}

func TestVonage(t *testing.T) {
	fresh := vonageFields(testNow.Add(-20 * time.Second))
	for _, method := range []string{"md5hash", "md5", "sha1", "sha256", "sha512"} {
		t.Run(method, func(t *testing.T) {
			signed := vonageSign(method, vonageSecret, fresh)
			jsonBody := `{"msisdn":"447400123456","to":"14155550199","messageId":"0A0000000123ABCD1","text":"Hello! Your code is 8841","type":"text","keyword":"HELLO!","api-key":"abcd1234","message-timestamp":"` +
				fresh.Get("message-timestamp") + `","timestamp":"` + fresh.Get("timestamp") + `","nonce":"` + fresh.Get("nonce") + `","sig":"` + signed.Get("sig") + `"}`
			tampered := vonageSign(method, vonageSecret, fresh)
			tampered.Set("text", "Hello! Your code is 0000")
			unsigned := vonageFields(testNow)
			stale := vonageSign(method, vonageSecret, vonageFields(testNow.Add(-6*time.Minute)))
			future := vonageSign(method, vonageSecret, vonageFields(testNow.Add(6*time.Minute)))
			other := vonageSign(method, "another-secret", fresh)
			noText := vonageFields(testNow)
			noText.Set("text", "")
			runCases(t, Config{VonageSignatureSecret: vonageSecret, VonageSignatureMethod: method}, []providerCase{
				{name: "GET", req: vonageGet(signed), status: 200, rows: 1,
					check: wantMessage("+447400123456", "+14155550199", "Hello! Your code is 8841", "vonage", "0A0000000123ABCD1", testNow.Add(-20*time.Second))},
				{name: "POST form", req: func() *http.Request {
					return newRequest("POST", "/ingest/vonage", signed.Encode(), "Content-Type", formType)
				}, status: 200, rows: 1},
				{name: "POST JSON", req: func() *http.Request {
					return newRequest("POST", "/ingest/vonage", jsonBody, "Content-Type", "application/json")
				}, status: 200, rows: 1},
				{name: "retry", req: vonageGet(signed), times: 2, status: 200, rows: 1},
				{name: "missing sig", req: vonageGet(unsigned), status: 401, rows: 0},
				{name: "wrong secret", req: vonageGet(other), status: 403, rows: 0, check: noDetail(signed.Get("sig"))},
				{name: "tampered text", req: vonageGet(tampered), status: 403, rows: 0},
				{name: "stale timestamp", req: vonageGet(stale), status: 403, rows: 0, body: "timestamp"},
				{name: "timestamp in the future", req: vonageGet(future), status: 403, rows: 0},
				{name: "empty text", req: vonageGet(vonageSign(method, vonageSecret, noText)), status: 400, rows: 0, body: "no text"},
				{name: "body over 64 KiB", req: func() *http.Request {
					return newRequest("POST", "/ingest/vonage", bigBody, "Content-Type", formType)
				}, status: 413, rows: 0},
				{name: "not JSON", req: func() *http.Request {
					return newRequest("POST", "/ingest/vonage", `{"msisdn":`, "Content-Type", "application/json")
				}, status: 400, rows: 0, body: "not valid JSON"},
			})
		})
	}
}

// TestVonageVectors checks the vector of vonage-python-sdk's tests (md5hash)
// and one computed for HMAC-SHA256 over the same fields.
func TestVonageVectors(t *testing.T) {
	p := url.Values{"a": {"1"}, "b": {"2"}, "timestamp": {"1461605396"}, "sig": {"ignored"}}
	for _, tc := range []struct{ method, want string }{
		{"md5hash", "6af838ef94998832dbfc29020b564830"},
		{"sha256", "a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24"},
	} {
		if got := hex.EncodeToString(vonageSignature(tc.method, "secret", p)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.method, got, tc.want)
		}
	}
}

// --- Plivo ------------------------------------------------------------------

const plivoToken = "MAXXXXXXXXXXXXXXXXXX-token"

// plivoForm is an incoming message as Plivo posts it to the message URL.
func plivoForm() url.Values {
	v, _ := url.ParseQuery("From=447400123456&To=14155550199&Text=Your+Plivo+code+is+771204&Type=sms&MessageUUID=2a3b4c5d-6e7f-11ee-8c99-0242ac120002&Units=1&TotalRate=0.00000&TotalAmount=0.00000&MessageIntent=&PowerpackUUID=")
	return v
}

// plivoSign computes X-Plivo-Signature-V3 for a POST without a query.
func plivoSign(token, u, nonce string, form url.Values) string {
	keys := []string{}
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u + "?"
	for _, k := range keys {
		s += k + form.Get(k)
	}
	return hmacB64(sha256.New, token, s+"."+nonce)
}

func plivoPost(form url.Values, sig, nonce string) func() *http.Request {
	return func() *http.Request {
		return newRequest("POST", "/ingest/plivo", form.Encode(), "Content-Type", formType,
			"X-Plivo-Signature-V3", sig, "X-Plivo-Signature-V3-Nonce", nonce)
	}
}

func TestPlivo(t *testing.T) {
	u := publicURL + "/ingest/plivo"
	good := plivoForm()
	nonce := "31627761595286130198"
	sig := plivoSign(plivoToken, u, nonce, good)
	wrong := plivoSign("another-token", u, nonce, good)
	noText := plivoForm()
	noText.Set("Text", "")
	twoUnits := plivoForm()
	twoUnits.Set("Units", "2")
	runCases(t, Config{PlivoAuthToken: plivoToken}, []providerCase{
		{name: "success", req: plivoPost(good, sig, nonce), status: 200, rows: 1,
			check: wantMessage("+447400123456", "+14155550199", "Your Plivo code is 771204", "plivo", "2a3b4c5d-6e7f-11ee-8c99-0242ac120002", testNow)},
		{name: "several signatures", req: plivoPost(good, wrong+","+sig, nonce), status: 200, rows: 1},
		{name: "units", req: plivoPost(twoUnits, plivoSign(plivoToken, u, nonce, twoUnits), nonce), status: 200, rows: 1, check: wantParts(2)},
		{name: "retry", req: plivoPost(good, sig, nonce), times: 2, status: 200, rows: 1},
		{name: "missing signature", req: plivoPost(good, "", nonce), status: 401, rows: 0},
		{name: "missing nonce", req: plivoPost(good, sig, ""), status: 401, rows: 0},
		{name: "wrong signature", req: plivoPost(good, wrong, nonce), status: 403, rows: 0, check: noDetail(sig)},
		{name: "other nonce", req: plivoPost(good, sig, "11111111111111111111"), status: 403, rows: 0},
		{name: "empty text", req: plivoPost(noText, plivoSign(plivoToken, u, nonce, noText), nonce), status: 400, rows: 0},
		{name: "body over 64 KiB", req: plivoPost(url.Values{"Text": {strings.Repeat("x", MaxBody)}}, sig, nonce), status: 413, rows: 0},
	})
}

// TestPlivoVectors checks the signed string against the V3 vectors of
// plivo-go's utils_test.go (TestValidateSignatureV3Pass1..4).
func TestPlivoVectors(t *testing.T) {
	params := url.Values{}
	for k, v := range map[string]string{
		"Direction": "outbound", "From": "19792014278", "ALegUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
		"CallStatus": "in-progress", "BillRate": "0.002", "ParentAuthID": "MANWVLYTK4ZWU1YTY4QA",
		"To": "sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com", "ALegRequestUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
		"CallUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36", "RequestUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
		"SIP-H-To": "<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1", "SessionStart": "2020-04-08 11:34:33.238707",
		"Event": "StartApp",
	} {
		params.Set(k, v)
	}
	const token, nonce = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4", "31627761595286130198"
	withQuery := "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml/?a=b&c=d"
	noQuery := "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml"
	for _, tc := range []struct {
		url  string
		get  bool
		want string
	}{
		{withQuery, false, "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c="},
		{withQuery, true, "UBq8jAtd32wR8EK9VgxbBn4n5rpI/l1H9iN4WfSEHFQ="},
		{noQuery, false, "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0="},
		{noQuery, true, "i/MQsaQSAd6fiKhOh2qeeeLHZ9faldADSb3/7+Akfbc="},
	} {
		u := tc.url
		if tc.get {
			// A GET carries its fields in the query.
			q := url.Values{}
			if i := strings.Index(u, "?"); i >= 0 {
				q, _ = url.ParseQuery(u[i+1:])
				u = u[:i]
			}
			for k, v := range params {
				q[k] = v
			}
			u += "?" + q.Encode()
		}
		var post url.Values
		if !tc.get {
			post = params
		}
		got := base64.StdEncoding.EncodeToString(macOf(sha256.New, token, plivoSigned(u, tc.get, post, false), ".", nonce))
		if got != tc.want {
			t.Errorf("%s get=%v: %s, want %s", tc.url, tc.get, got, tc.want)
		}
	}
}

// TestPlivoEscapedQuery checks a POST to a URL whose query holds escapes,
// signed as plivo-python's validate_v3_signature computes it (the query
// decoded); the vector was computed with that algorithm.
func TestPlivoEscapedQuery(t *testing.T) {
	form := url.Values{"From": {"447400123456"}, "To": {"14155550199"}, "Text": {"Code 1"}}
	const nonce = "31627761595286130198"
	const sig = "v3eAXJa2xfAdBmJhyT47bW9NVT0b6vrP4Eun/unoc10="
	runCases(t, Config{PlivoAuthToken: plivoToken}, []providerCase{
		{name: "decoded query", req: func() *http.Request {
			return newRequest("POST", "/ingest/plivo?to=%2B447400123456&x=a+b", form.Encode(), "Content-Type", formType,
				"X-Plivo-Signature-V3", sig, "X-Plivo-Signature-V3-Nonce", nonce)
		}, status: 200, rows: 1},
		{name: "another query", req: func() *http.Request {
			return newRequest("POST", "/ingest/plivo?to=%2B447400123456&x=a+c", form.Encode(), "Content-Type", formType,
				"X-Plivo-Signature-V3", sig, "X-Plivo-Signature-V3-Nonce", nonce)
		}, status: 403, rows: 0},
	})
}

// --- Telnyx -----------------------------------------------------------------

// telnyxBody is a message.received event as Telnyx documents it.
const telnyxBody = `{"data":{"record_type":"event","id":"bf6307bd-884d-4c1f-b6ea-c62b8c495d3c","event_type":"message.received",
 "occurred_at":"2026-11-20T09:59:58.574Z",
 "payload":{"record_type":"message","direction":"inbound","id":"7ee4241c-f127-47e5-9c34-3aac291f8058","type":"SMS",
  "messaging_profile_id":"0f512bda-ff2e-4d43-a7a6-8a8ef3a4f9b2","from":{"phone_number":"+18665550001","carrier":"T-MOBILE USA, INC.","line_type":"Wireless"},
  "to":[{"phone_number":"+18445550001","status":"delivered","carrier":"TELNYX LLC","line_type":"VoIP"}],
  "cc":[],"text":"Hello, World! Code 5512","subject":"From Telnyx!","media":[],"encoding":"GSM-7","parts":1,
  "received_at":"2026-11-20T09:59:58.467Z","sent_at":null,"tags":[],"webhook_url":"https://sms.example.com/ingest/telnyx"}},
 "meta":{"attempt":1,"delivered_to":"https://sms.example.com/ingest/telnyx"}}`

func TestTelnyx(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	ts := strconv.FormatInt(testNow.Add(-30*time.Second).Unix(), 10)
	sign := func(k ed25519.PrivateKey, ts, body string) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(k, []byte(ts+"|"+body)))
	}
	post := func(body, sig, ts string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", "/ingest/telnyx", body, "Content-Type", "application/json",
				"telnyx-signature-ed25519", sig, "telnyx-timestamp", ts)
		}
	}
	staleTS := strconv.FormatInt(testNow.Add(-301*time.Second).Unix(), 10)
	sent := strings.Replace(telnyxBody, `"message.received"`, `"message.sent"`, 1)
	noText := strings.Replace(telnyxBody, `"Hello, World! Code 5512"`, `""`, 1)
	twoParts := strings.Replace(telnyxBody, `"parts":1`, `"parts":2`, 1)
	cases := []providerCase{
		{name: "success", req: post(telnyxBody, sign(priv, ts, telnyxBody), ts), status: 200, rows: 1,
			check: wantMessage("+18665550001", "+18445550001", "Hello, World! Code 5512", "telnyx", "7ee4241c-f127-47e5-9c34-3aac291f8058",
				time.Date(2026, 11, 20, 9, 59, 58, 467e6, time.UTC))},
		{name: "retry", req: post(telnyxBody, sign(priv, ts, telnyxBody), ts), times: 2, status: 200, rows: 1},
		{name: "other event acknowledged", req: post(sent, sign(priv, ts, sent), ts), status: 200, rows: 0},
		{name: "parts", req: post(twoParts, sign(priv, ts, twoParts), ts), status: 200, rows: 1, check: wantParts(2)},
		{name: "missing signature", req: post(telnyxBody, "", ts), status: 401, rows: 0},
		{name: "signed by another key", req: post(telnyxBody, sign(otherPriv, ts, telnyxBody), ts), status: 403, rows: 0},
		{name: "timestamp not the signed one", req: post(telnyxBody, sign(priv, ts, telnyxBody), strconv.FormatInt(testNow.Unix(), 10)), status: 403, rows: 0},
		{name: "signature not base64", req: post(telnyxBody, "%%%", ts), status: 403, rows: 0},
		{name: "stale timestamp", req: post(telnyxBody, sign(priv, staleTS, telnyxBody), staleTS), status: 403, rows: 0},
		{name: "empty text", req: post(noText, sign(priv, ts, noText), ts), status: 400, rows: 0},
		{name: "not JSON", req: post("{", sign(priv, ts, "{"), ts), status: 400, rows: 0},
		{name: "body over 64 KiB", req: post(strings.Repeat(" ", MaxBody+1), "x", ts), status: 413, rows: 0},
	}
	runCases(t, Config{TelnyxPublicKey: base64.StdEncoding.EncodeToString(pub)}, cases)

	// The key in SPKI form (as some consoles show it) works too.
	spki := base64.StdEncoding.EncodeToString(append(append([]byte{}, spkiEd25519...), pub...))
	runCases(t, Config{TelnyxPublicKey: spki}, cases[:1])
}

func TestTelnyxBadKeyLeavesProviderOff(t *testing.T) {
	s := newServer(t, Config{TelnyxPublicKey: "bm90IGEga2V5"}, "")
	if a := s.do(newRequest("POST", "/ingest/telnyx", telnyxBody)); a.status != 404 {
		t.Fatalf("status = %d, want 404", a.status)
	}
}

// --- Sinch ------------------------------------------------------------------

const sinchSecret = "sinch-callback-secret"

// sinchBody is an mo_text callback as Sinch documents it.
const sinchBody = `{"type":"mo_text","id":"01K608PQBF3H41EQS64AH7CE11","from":"447400123456","to":"12362320246","body":"Hey, your code is 90210","operator_id":"310010","sent_at":"2026-11-20T09:59:57.000Z","received_at":"2026-11-20T09:59:58.135Z"}`

func TestSinch(t *testing.T) {
	ts := strconv.FormatInt(testNow.Add(-10*time.Second).Unix(), 10)
	nonce := "01FJA8B4A7BM43YGWSG9GBV067"
	sign := func(secret, body, nonce, ts string) string {
		return hmacB64(sha256.New, secret, body+"."+nonce+"."+ts)
	}
	post := func(body, sig, nonce, ts, alg string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", "/ingest/sinch", body, "Content-Type", "application/json",
				"x-sinch-webhook-signature", sig, "x-sinch-webhook-signature-nonce", nonce,
				"x-sinch-webhook-signature-timestamp", ts, "x-sinch-webhook-signature-algorithm", alg)
		}
	}
	binary := `{"type":"mo_binary","id":"01K608PQBF3H41EQS64AH7CE12","from":"447400123456","to":"12362320246","body":"AAECAw==","udh":"050003010201","received_at":"2026-11-20T09:59:58.135Z"}`
	report := `{"type":"recipient_delivery_report_sms","batch_id":"01FC66621XXXXX119Z8PMV1QPQ","recipient":"447400123456","code":0,"status":"Delivered","at":"2026-11-20T09:59:58.135Z"}`
	staleTS := strconv.FormatInt(testNow.Add(-10*time.Minute).Unix(), 10)
	runCases(t, Config{SinchSecret: sinchSecret}, []providerCase{
		{name: "mo_text", req: post(sinchBody, sign(sinchSecret, sinchBody, nonce, ts), nonce, ts, "HmacSHA256"), status: 200, rows: 1,
			check: func(t *testing.T, msgs []store.Message, a answer) {
				wantMessage("+447400123456", "+12362320246", "Hey, your code is 90210", "sinch", "01K608PQBF3H41EQS64AH7CE11",
					time.Date(2026, 11, 20, 9, 59, 58, 135e6, time.UTC))(t, msgs, a)
				if want := time.Date(2026, 11, 20, 9, 59, 57, 0, time.UTC); !msgs[0].SentAt.Equal(want) {
					t.Errorf("sent at %v, want %v", msgs[0].SentAt, want)
				}
			}},
		{name: "HmacSHA512", req: post(sinchBody, hmacB64(sha512.New, sinchSecret, sinchBody+"."+nonce+"."+ts), nonce, ts, "HmacSHA512"), status: 200, rows: 1},
		{name: "mo_binary", req: post(binary, sign(sinchSecret, binary, nonce, ts), nonce, ts, "HmacSHA256"), status: 200, rows: 1,
			check: func(t *testing.T, msgs []store.Message, _ answer) {
				if got := hex.EncodeToString(msgs[0].Binary); got != "00010203" {
					t.Errorf("binary %s", got)
				}
			}},
		{name: "delivery report acknowledged", req: post(report, sign(sinchSecret, report, nonce, ts), nonce, ts, "HmacSHA256"), status: 200, rows: 0},
		{name: "retry", req: post(sinchBody, sign(sinchSecret, sinchBody, nonce, ts), nonce, ts, "HmacSHA256"), times: 2, status: 200, rows: 1},
		{name: "missing signature", req: post(sinchBody, "", nonce, ts, "HmacSHA256"), status: 401, rows: 0},
		{name: "wrong secret", req: post(sinchBody, sign("other", sinchBody, nonce, ts), nonce, ts, "HmacSHA256"), status: 403, rows: 0},
		{name: "unknown algorithm", req: post(sinchBody, sign(sinchSecret, sinchBody, nonce, ts), nonce, ts, "HmacMD5"), status: 403, rows: 0},
		{name: "stale timestamp", req: post(sinchBody, sign(sinchSecret, sinchBody, nonce, staleTS), nonce, staleTS, "HmacSHA256"), status: 403, rows: 0},
		{name: "wrong JSON type", req: func() *http.Request {
			b := `{"type":"mo_text","from":447400123456}`
			return post(b, sign(sinchSecret, b, nonce, ts), nonce, ts, "HmacSHA256")()
		}, status: 400, rows: 0, body: "from"},
		{name: "body over 64 KiB", req: post(strings.Repeat(" ", MaxBody+1), "x", nonce, ts, ""), status: 413, rows: 0},
	})
}

// --- SMS Gateway for Android ------------------------------------------------

const smsgateKey = "smsgate-signing-key"

// smsgateBody is an sms:received event as the app's README shows it, with
// the envelope fields of its WebHookEventDTO.
const smsgateBody = `{"id":"Ey6ECgOkVVFjz3CL48B8C","webhookId":"LreFUt-Z3sSq0JufY9uWB","deviceId":"ffffffffceb0b1db0000018e937c815b","event":"sms:received","payload":{"messageId":"msg_12345abcde","message":"Your G-Pay code: 552211","sender":"+19162255887","recipient":null,"simNumber":1,"phoneNumber":"+19162255887","receivedAt":"2026-11-20T16:59:31.000+07:00"}}`

func TestSMSGate(t *testing.T) {
	ts := strconv.FormatInt(testNow.Unix(), 10)
	sign := func(key, body, ts string) string { return hmacHex(sha256.New, key, body+ts) }
	post := func(path, body, sig, ts string) func() *http.Request {
		return func() *http.Request {
			return newRequest("POST", path, body, "Content-Type", "application/json", "X-Signature", sig, "X-Timestamp", ts)
		}
	}
	ping := `{"id":"x1","webhookId":"w","deviceId":"d","event":"system:ping","payload":{"health":{}}}`
	withRecipient := strings.Replace(smsgateBody, `"recipient":null`, `"recipient":"+447400123456"`, 1)
	staleTS := strconv.FormatInt(testNow.Add(-time.Hour).Unix(), 10)
	runCases(t, Config{SMSGateSigningKey: smsgateKey}, []providerCase{
		{name: "SIM number from ?sim1=", req: post("/ingest/smsgate?sim1=%2B14155550199&to=%2B447400123456", smsgateBody, sign(smsgateKey, smsgateBody, ts), ts), status: 200, rows: 1,
			check: wantMessage("+19162255887", "+14155550199", "Your G-Pay code: 552211", "smsgate", "msg_12345abcde", time.Date(2026, 11, 20, 9, 59, 31, 0, time.UTC))},
		{name: "number from ?to=", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, sign(smsgateKey, smsgateBody, ts), ts), status: 200, rows: 1,
			check: func(t *testing.T, msgs []store.Message, _ answer) {
				if msgs[0].Number != "+447400123456" {
					t.Errorf("number %s", msgs[0].Number)
				}
			}},
		{name: "recipient in the payload", req: post("/ingest/smsgate", withRecipient, sign(smsgateKey, withRecipient, ts), ts), status: 200, rows: 1},
		{name: "no receiving number", req: post("/ingest/smsgate", smsgateBody, sign(smsgateKey, smsgateBody, ts), ts), status: 400, rows: 0, body: "?to="},
		{name: "retry", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, sign(smsgateKey, smsgateBody, ts), ts), times: 2, status: 200, rows: 1},
		{name: "ping acknowledged", req: post("/ingest/smsgate", ping, sign(smsgateKey, ping, ts), ts), status: 200, rows: 0},
		{name: "missing signature", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, "", ts), status: 401, rows: 0},
		{name: "wrong key", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, sign("other", smsgateBody, ts), ts), status: 403, rows: 0},
		{name: "upper-case hex accepted", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, strings.ToUpper(sign(smsgateKey, smsgateBody, ts)), ts), status: 200, rows: 1},
		{name: "stale timestamp", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, sign(smsgateKey, smsgateBody, staleTS), staleTS), status: 403, rows: 0},
		{name: "timestamp not a number", req: post("/ingest/smsgate?to=%2B447400123456", smsgateBody, sign(smsgateKey, smsgateBody, "soon"), "soon"), status: 403, rows: 0},
		{name: "invalid UTF-8", req: func() *http.Request {
			b := strings.Replace(smsgateBody, "552211", "55\xff211", 1)
			return post("/ingest/smsgate?to=%2B447400123456", b, sign(smsgateKey, b, ts), ts)()
		}, status: 400, rows: 0, body: "UTF-8"},
		{name: "body over 64 KiB", req: post("/ingest/smsgate", strings.Repeat(" ", MaxBody+1), "x", ts), status: 413, rows: 0},
	})
}
