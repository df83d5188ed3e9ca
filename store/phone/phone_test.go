package phone

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in      string
		e164    string
		country string
		errText string // part of the error, "" when the number is valid
	}{
		{in: "+447400123456", e164: "+447400123456", country: "GB"},
		{in: "447400123456", e164: "+447400123456", country: "GB"},
		{in: "00447400123456", e164: "+447400123456", country: "GB"},
		{in: "+44 7400 123456", e164: "+447400123456", country: "GB"},
		{in: "  +44 (7400) 123-456 ", e164: "+447400123456", country: "GB"},
		{in: "+44\u00a07400\u00a0123456", e164: "+447400123456", country: "GB"},
		{in: "+4917612345678", e164: "+4917612345678", country: "DE"},
		{in: "+1 202-555-0123", e164: "+12025550123", country: "US"},
		{in: "+79161234567", e164: "+79161234567", country: "RU"},
		{in: "+8613812345678", e164: "+8613812345678", country: "CN"},
		{in: "+441481712345", e164: "+441481712345", country: "GG"},
		{in: "+33612345678", e164: "+33612345678", country: "FR"},
		{in: "+5511987654321", e164: "+5511987654321", country: "BR"},
		{in: "+88234567890", errText: "not a valid phone number"},
		{in: "12ab", errText: `"12ab" is not a phone number in international format (+ and country code, e.g. +447400123456)`},
		{in: "", errText: `"" is not a phone number`},
		{in: "07400123456", errText: "not a phone number in international format"},
		{in: "+447700900123", errText: `"+447700900123" is not a valid phone number`},
		{in: "+15555550100", errText: "not a valid phone number"},
		{in: "+44 7400 123456 ext 1", errText: "not a phone number"},
		{in: "+44\u202e7400123456", errText: `"+44\u202e7400123456" is not a phone number`},
		{in: "+44\x007400123456", errText: "not a phone number"},
		{in: "+44\xff7400123456", errText: "not a phone number"},
		{in: "+" + strings.Repeat("4", 5000), errText: "…\" is not a phone number"},
		{in: "+1-800-FLOWERS", errText: "not a phone number"},
		{in: "+", errText: "not a phone number"},
		{in: "++447400123456", errText: "not a phone number"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 30)], func(t *testing.T) {
			e164, country, err := ParseNumber(tt.in)
			if tt.errText != "" {
				if err == nil {
					t.Fatalf("ParseNumber(%q) = %q, %q; want an error", tt.in, e164, country)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q does not contain %q", err, tt.errText)
				}
				if n := strings.Count(err.Error(), "\n"); n != 0 || len(err.Error()) > 200 {
					t.Errorf("error %q is not one short sentence", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNumber(%q): %v", tt.in, err)
			}
			if e164 != tt.e164 || country != tt.country {
				t.Errorf("ParseNumber(%q) = %q, %q; want %q, %q", tt.in, e164, country, tt.e164, tt.country)
			}
		})
	}
}

var keyChars = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestSenderKey(t *testing.T) {
	tests := []struct {
		raw, region string
		key, disp   string
		kind        SenderKind
	}{
		// Numeric senders.
		{"+9009", "GB", "9009", "+9009", KindShortcode},
		{"9009", "GB", "9009", "9009", KindShortcode},
		{"9009", "", "9009", "9009", KindShortcode},
		{"32665", "US", "32665", "32665", KindShortcode},
		{"+49 176 1234 5678", "GB", "4917612345678", "+4917612345678", KindInternational},
		{"004917612345678", "GB", "4917612345678", "+4917612345678", KindInternational},
		{"4917612345678", "GB", "4917612345678", "+4917612345678", KindInternational},
		{"017612345678", "DE", "4917612345678", "+4917612345678", KindNational},
		{"07400123456", "GB", "447400123456", "+447400123456", KindNational},
		{"07400123456", "gb", "447400123456", "+447400123456", KindNational},
		{"447400123456", "GB", "447400123456", "+447400123456", KindInternational},
		{"+447400123456", "DE", "447400123456", "+447400123456", KindInternational},
		{"+44 (0) 7400 123456", "", "447400123456", "+447400123456", KindInternational},
		{"\u202d+447400123456\u202c", "GB", "447400123456", "+447400123456", KindInternational},
		{"٩٠٠٩", "EG", "9009", "9009", KindShortcode},
		{"９００９", "JP", "9009", "9009", KindShortcode},
		{"9009!", "GB", "9009", "9009", KindShortcode},
		{"0123456789012", "", "0123456789012", "0123456789012", KindNational},
		{"+99912345678901", "", "99912345678901", "+99912345678901", KindInternational},
		// Alphanumeric senders.
		{"WhatsApp", "GB", "whatsapp", "WhatsApp", KindAlphanumeric},
		{"WHATSAPP", "GB", "whatsapp", "WHATSAPP", KindAlphanumeric},
		{"G-Pay", "", "g-pay", "G-Pay", KindAlphanumeric},
		{"  Amazon  ", "", "amazon", "Amazon", KindAlphanumeric},
		{"Pay Pal", "", "pay-pal", "Pay Pal", KindAlphanumeric},
		{"Pay\t\n Pal", "", "pay-pal", "Pay Pal", KindAlphanumeric},
		{"--Uber--", "", "uber", "--Uber--", KindAlphanumeric},
		{"A.B..C", "", "a-b-c", "A.B..C", KindAlphanumeric},
		{"Café", "", "cafe", "Café", KindAlphanumeric},
		{"Cafe\u0301", "", "cafe", "Cafe\u0301", KindAlphanumeric},
		{"Straße", "", "strasse", "Straße", KindAlphanumeric},
		{"İŞBANK", "TR", "isbank", "İŞBANK", KindAlphanumeric},
		{"Łódź", "", "lodz", "Łódź", KindAlphanumeric},
		{"ＷｈａｔｓＡｐｐ", "", "whatsapp", "ＷｈａｔｓＡｐｐ", KindAlphanumeric},
		{"ﬁnance", "", "finance", "ﬁnance", KindAlphanumeric},
		{"Сбербанк", "RU", "сбербанк", "Сбербанк", KindAlphanumeric},
		{"Йота", "RU", "йота", "Йота", KindAlphanumeric},
		{"微信", "CN", "微信", "微信", KindAlphanumeric},
		{"카카오", "KR", "카카오", "카카오", KindAlphanumeric},
		{"ガスト", "JP", "ガスト", "ガスト", KindAlphanumeric},
		{"कोड", "IN", "कोड", "कोड", KindAlphanumeric},
		{"بنك مصر", "EG", "بنك-مصر", "بنك مصر", KindAlphanumeric},
		{"1-800-FLOWERS", "US", "1-800-flowers", "1-800-FLOWERS", KindAlphanumeric},
		{"AX-HDFCBK", "IN", "ax-hdfcbk", "AX-HDFCBK", KindAlphanumeric},
		{"Bank\u202eevil", "", "bankevil", "Bankevil", KindAlphanumeric},
		{"Ba\x00nk\x1b[31m", "", "bank-31m", "Bank[31m", KindAlphanumeric},
		{"Ba\xffnk", "", "bank", "Bank", KindAlphanumeric},
		{"Zoom\u200d", "", "zoom", "Zoom", KindAlphanumeric},
		{"1⃣Bank", "", "1bank", "1⃣Bank", KindAlphanumeric},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			key, disp, kind, err := SenderKey(tt.raw, tt.region)
			if err != nil {
				t.Fatalf("SenderKey(%q, %q): %v", tt.raw, tt.region, err)
			}
			if key != tt.key || disp != tt.disp || kind != tt.kind {
				t.Errorf("SenderKey(%q, %q) = %q, %q, %q; want %q, %q, %q", tt.raw, tt.region, key, disp, kind, tt.key, tt.disp, tt.kind)
			}
			checkKey(t, key)
			// The key is stable: the key of a key is itself, except that
			// a national number's key is already international.
			if again, _, _, err := SenderKey(key, tt.region); err != nil || (again != key && kind == KindAlphanumeric) {
				t.Errorf("SenderKey(%q) = %q, %v; want the key itself", key, again, err)
			}
		})
	}
}

// checkKey asserts the properties every key has: short, valid UTF-8, no
// upper case ASCII, no characters other than letters, digits and "-", no
// "-" at either end, and unchanged by a round trip through a URL path.
func checkKey(t *testing.T, key string) {
	t.Helper()
	if key == "" || len(key) > MaxKeyLen || !utf8.ValidString(key) {
		t.Fatalf("key %q is empty, too long or not UTF-8", key)
	}
	if strings.HasPrefix(key, "-") || strings.HasSuffix(key, "-") || strings.Contains(key, "--") {
		t.Errorf("key %q has a stray dash", key)
	}
	isASCII := true
	for _, r := range key {
		if r >= utf8.RuneSelf {
			isASCII = false
		}
		if strings.ContainsRune("/?#%&+ .\\", r) || (r >= 'A' && r <= 'Z') || r < ' ' {
			t.Errorf("key %q holds %q", key, r)
		}
	}
	if isASCII && !keyChars.MatchString(key) {
		t.Errorf("key %q is not [a-z0-9-]", key)
	}
	u := &url.URL{Path: "/sender/" + key}
	back, err := url.Parse(u.String())
	if err != nil || back.Path != "/sender/"+key {
		t.Errorf("key %q does not survive a URL: %q", key, u.String())
	}
}

func TestSenderKeyErrors(t *testing.T) {
	tests := []struct{ raw, errText string }{
		{"", `sender "" has no letters or digits`},
		{"   ", "has no letters or digits"},
		{"---", `sender "---" has no letters or digits`},
		{"+", "has no letters or digits"},
		{"\x00\x01\x02", "has no letters or digits"},
		{"\u202e\u202d", "has no letters or digits"},
		{"\xff\xfe", "has no letters or digits"},
		{"🙂🙂", "has no letters or digits"},
		{strings.Repeat("A", 5000), "is longer than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.raw[:min(len(tt.raw), 20)], func(t *testing.T) {
			key, _, _, err := SenderKey(tt.raw, "GB")
			if err == nil {
				t.Fatalf("SenderKey(%q) = %q; want an error", tt.raw, key)
			}
			if !strings.Contains(err.Error(), tt.errText) || len(err.Error()) > 200 || !utf8.ValidString(err.Error()) {
				t.Errorf("error %q; want one short sentence containing %q", err, tt.errText)
			}
		})
	}
}

func TestSenderKeyLong(t *testing.T) {
	tests := []string{
		strings.Repeat("Ab", 100),
		strings.Repeat("Я", 100),
		strings.Repeat("a ", 100),
		strings.Repeat("9", 200),
		strings.Repeat("é", 300),
	}
	for _, raw := range tests {
		key, disp, _, err := SenderKey(raw, "GB")
		if err != nil {
			t.Fatalf("SenderKey(%.20q...): %v", raw, err)
		}
		checkKey(t, key)
		if n := utf8.RuneCountInString(disp); n > maxDisplay {
			t.Errorf("display of %.20q... has %d characters", raw, n)
		}
	}
}

func TestSenderKeySameSender(t *testing.T) {
	// Every spelling of one sender lands on one key.
	groups := [][]string{
		{"WhatsApp", "WHATSAPP", "whatsapp", " WhatsApp ", "ＷｈａｔｓＡｐｐ"},
		{"+447400123456", "447400123456", "00447400123456", "+44 7400 123456", "07400123456"},
		{"G-Pay", "G Pay", "G_Pay", "g.pay"},
	}
	for _, g := range groups {
		want, _, _, err := SenderKey(g[0], "GB")
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range g[1:] {
			if got, _, _, err := SenderKey(raw, "GB"); err != nil || got != want {
				t.Errorf("SenderKey(%q) = %q, %v; want %q", raw, got, err, want)
			}
		}
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct{ cc, want string }{
		{"GB", "United Kingdom"},
		{"gb", "United Kingdom"},
		{"DE", "Germany"},
		{"US", "United States"},
		{"BR", "Brazil"},
		{"XK", "Kosovo"},
		{"ZZ", "ZZ"},
		{"EU", "EU"},
		{"", ""},
		{"GBR", "GBR"},
		{"826", "826"},
		{"\xff\xfe", "\xff\xfe"},
	}
	for _, tt := range tests {
		if got := CountryName(tt.cc); got != tt.want {
			t.Errorf("CountryName(%q) = %q; want %q", tt.cc, got, tt.want)
		}
	}
}

func TestFlag(t *testing.T) {
	tests := []struct{ cc, want string }{
		{"GB", "🇬🇧"},
		{"gb", "🇬🇧"},
		{"DE", "🇩🇪"},
		{"JP", "🇯🇵"},
		{"UK", ""},
		{"ZZ", ""},
		{"", ""},
		{"G", ""},
		{"GBR", ""},
		{"1A", ""},
		{"É", ""},
	}
	for _, tt := range tests {
		if got := Flag(tt.cc); got != tt.want {
			t.Errorf("Flag(%q) = %q; want %q", tt.cc, got, tt.want)
		}
	}
}

func TestPretty(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+447400123456", "+44 7400 123456"},
		{"+4917612345678", "+49 176 12345678"},
		{"+12025550123", "+1 202-555-0123"},
		{"+8613812345678", "+86 138 1234 5678"},
		{"447400123456", "447400123456"},
		{"", ""},
		{"+", "+"},
		{"+44abc", "+44abc"},
		{"+" + strings.Repeat("1", 100), "+" + strings.Repeat("1", 100)},
	}
	for _, tt := range tests {
		if got := Pretty(tt.in); got != tt.want {
			t.Errorf("Pretty(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSenderKey(f *testing.F) {
	for _, s := range []string{"WhatsApp", "+447400123456", "07400123456", "9009", "\u202e", "\xff", "Сбер", "1⃣"} {
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		key, disp, kind, err := SenderKey(raw, region)
		if err != nil {
			return
		}
		checkKey(t, key)
		if kind == "" || !utf8.ValidString(disp) {
			t.Errorf("SenderKey(%q) gave kind %q, display %q", raw, kind, disp)
		}
	})
}

func BenchmarkSenderKey(b *testing.B) {
	for _, raw := range []string{"WhatsApp", "+447400123456", "07400123456"} {
		b.Run(raw, func(b *testing.B) {
			for b.Loop() {
				if _, _, _, err := SenderKey(raw, "GB"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
