package pdu

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// Test PDUs are built from the fields of TS 23.040 9.2.2.1 so each test
// shows the octets it is about.
const (
	oaIntl = "0B917228214365F7" // +27821234567
	scts   = "31308051206180"   // 2013-03-08 15:02:16 +02:00
)

// septetsOf maps text to default-alphabet septets (extension characters escaped).
func septetsOf(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
next:
	for _, r := range s {
		for i, c := range lockingTables[0] {
			if c == r {
				out = append(out, byte(i))
				continue next
			}
		}
		for i, c := range shiftTables[0] {
			if c == r && c != 0 {
				out = append(out, 0x1B, byte(i))
				continue next
			}
		}
		t.Fatalf("%q is not in the GSM 7-bit default alphabet", r)
	}
	return out
}

// packGSM7 builds GSM 7-bit user data: the header octets, fill bits to the
// next septet boundary, then the septets. It returns TP-UDL and TP-UD.
func packGSM7(udh []byte, septets []byte) (int, []byte) {
	skip := (len(udh)*8 + 6) / 7
	udl := skip + len(septets)
	ud := make([]byte, (udl*7+7)/8)
	copy(ud, udh)
	for i, s := range septets {
		bit := (skip + i) * 7
		ud[bit/8] |= s << (bit % 8)
		if bit%8 > 1 {
			ud[bit/8+1] |= s >> (8 - bit%8)
		}
	}
	return udl, ud
}

func gsm7PDU(t testing.TB, fo byte, udh []byte, text string) string {
	t.Helper()
	udl, ud := packGSM7(udh, septetsOf(t, text))
	return hex.EncodeToString([]byte{fo}) + oaIntl + "0000" + scts + hex.EncodeToString([]byte{byte(udl)}) + hex.EncodeToString(ud)
}

func octetPDU(fo, dcs byte, udh, body []byte) string {
	ud := append(append([]byte{}, udh...), body...)
	return hex.EncodeToString([]byte{fo}) + oaIntl + "00" + hex.EncodeToString([]byte{dcs}) + scts + hex.EncodeToString([]byte{byte(len(ud))}) + hex.EncodeToString(ud)
}

func mustDecode(t *testing.T, h string) *Deliver {
	t.Helper()
	d, err := DecodeHex(h, false)
	if err != nil {
		t.Fatalf("DecodeHex(%s): %v", h, err)
	}
	return d
}

// Pitfall 1: the first septet after a header starts at the next septet
// boundary: 1 fill bit after the 6-octet 8-bit concat header, 0 after the
// 7-octet 16-bit one.
func TestFillBitsAfterHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		udh  []byte
		fill int
		c    Concat
	}{
		{"8-bit reference", []byte{0x05, 0x00, 0x03, 0xC3, 0x02, 0x01}, 1, Concat{Ref: 0xC3, RefBits: 8, Total: 2, Seq: 1}},
		{"16-bit reference", []byte{0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x02}, 0, Concat{Ref: 0x1234, RefBits: 16, Total: 3, Seq: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ((len(tc.udh)*8+6)/7)*7 - len(tc.udh)*8; got != tc.fill {
				t.Fatalf("header of %d octets has %d fill bits, want %d", len(tc.udh), got, tc.fill)
			}
			d := mustDecode(t, gsm7PDU(t, 0x40, tc.udh, "Hello, code 123456"))
			if got, want := d.Text, "Hello, code 123456"; got != want {
				t.Errorf("Text = %q, want %q", got, want)
			}
			if d.Concat == nil || *d.Concat != tc.c {
				t.Errorf("Concat = %+v, want %+v", d.Concat, tc.c)
			}
		})
	}
}

// Pitfall 2: GSM 7-bit TP-UDL counts septets, escapes and header included;
// octets past it are ignored and a shortfall is an error.
func TestUserDataLength(t *testing.T) {
	h := gsm7PDU(t, 0x04, nil, "[abcdef]")
	if udl := h[len(h)-2*9-2 : len(h)-2*9]; udl != "0a" {
		t.Fatalf("TP-UDL of [abcdef] is %s, want 0a (10 septets)", udl)
	}
	if got := mustDecode(t, h).Text; got != "[abcdef]" {
		t.Errorf("Text = %q, want [abcdef]", got)
	}
	if got := mustDecode(t, h+"DEADBEEF").Text; got != "[abcdef]" {
		t.Errorf("with trailing octets Text = %q, want [abcdef]", got)
	}
	if _, err := DecodeHex(h[:len(h)-2], false); err == nil {
		t.Error("user data shorter than TP-UDL decoded without an error")
	}
	ucs2 := octetPDU(0x04, 0x08, nil, []byte{0, 'a'})
	if _, err := DecodeHex(ucs2[:len(ucs2)-2], false); err == nil {
		t.Error("UCS-2 user data shorter than TP-UDL decoded without an error")
	}
}

// Pitfall 3: the default table and its extension.
func TestDefaultAlphabet(t *testing.T) {
	for _, tc := range []struct {
		septets []byte
		want    string
	}{
		{[]byte{0x00}, "@"},
		{[]byte{0x5F}, "§"},
		{[]byte{0x1B, 0x65}, "€"},
		{[]byte{0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40}, "^{}\\[~]|"},
		{[]byte{0x1B, 0x41}, "A"}, // escape before an undefined code shows the main character
		{[]byte{0x1B, 0x1B}, " "},
		{[]byte{0x48, 0x69, 0x0D, 0x0A, 0x21}, "Hi\r\n!"},
		{[]byte{0x01, 0x03, 0x04, 0x07, 0x10, 0x1F, 0x7F}, "£¥èìΔÉà"},
	} {
		udl, ud := packGSM7(nil, tc.septets)
		d := mustDecode(t, "04"+oaIntl+"0000"+scts+hex.EncodeToString([]byte{byte(udl)})+hex.EncodeToString(ud))
		if d.Text != tc.want {
			t.Errorf("septets % X = %q, want %q", tc.septets, d.Text, tc.want)
		}
	}
	udl, ud := packGSM7(nil, []byte{0x41, 0x1B})
	if _, err := DecodeHex("04"+oaIntl+"0000"+scts+hex.EncodeToString([]byte{byte(udl)})+hex.EncodeToString(ud), false); err == nil {
		t.Error("text ending in an escape septet decoded without an error")
	}
}

// Pitfall 4: UCS-2 is read as UTF-16: pairs combine, also across parts;
// a lone surrogate becomes U+FFFD and the rest is kept.
func TestUTF16(t *testing.T) {
	units := utf16.Encode([]rune("OK 😀 код"))
	body := make([]byte, 0, 2*len(units))
	for _, u := range units {
		body = append(body, byte(u>>8), byte(u))
	}
	d := mustDecode(t, octetPDU(0x04, 0x08, nil, body))
	if got, want := d.Text, "OK 😀 код"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if d.Encoding != EncodingUCS2 || hex.EncodeToString(d.UserData) != hex.EncodeToString(body) {
		t.Errorf("Encoding %q UserData %x, want ucs2 and the raw octets", d.Encoding, d.UserData)
	}

	// The pair D83D DE00 split over two parts.
	p1 := octetPDU(0x44, 0x08, []byte{0x05, 0x00, 0x03, 0x2A, 0x02, 0x01}, []byte{0x00, 'a', 0xD8, 0x3D})
	p2 := octetPDU(0x44, 0x08, []byte{0x05, 0x00, 0x03, 0x2A, 0x02, 0x02}, []byte{0xDE, 0x00, 0x00, 'b'})
	d1, d2 := mustDecode(t, p1), mustDecode(t, p2)
	if got, want := d1.Text, "a\uFFFD"; got != want {
		t.Errorf("part 1 alone = %q, want %q", got, want)
	}
	if got, want := JoinUCS2(d1.UserData, d2.UserData), "a😀b"; got != want {
		t.Errorf("JoinUCS2 = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0xDE, 0x00, 0x00, 'x'}, "\uFFFDx"},
		{[]byte{0xD8, 0x3D, 0x00, 'x'}, "\uFFFDx"},
		{[]byte{0x00, 'x', 0xD8}, "x\uFFFD"},
		{nil, ""},
	} {
		if got := JoinUCS2(tc.in); got != tc.want {
			t.Errorf("JoinUCS2(% X) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := DecodeHex(octetPDU(0x04, 0x08, nil, []byte{0x00, 'a', 0x00}), false); err == nil {
		t.Error("UCS-2 user data of odd length decoded without an error")
	}
}

// oaDigits encodes TP-OA for a numeric address; '*' is the BCD digit A.
func oaDigits(toa byte, digits string) string {
	nib := func(c byte) byte {
		if c == '*' {
			return 0xA
		}
		return c - '0'
	}
	b := []byte{byte(len(digits)), toa}
	for i := 0; i < len(digits); i += 2 {
		lo, hi := nib(digits[i]), byte(0xF)
		if i+1 < len(digits) {
			hi = nib(digits[i+1])
		}
		b = append(b, hi<<4|lo)
	}
	return hex.EncodeToString(b)
}

// oaAlpha encodes TP-OA for an alphanumeric sender: the length counts the
// semi-octets the packed septets use.
func oaAlpha(t testing.TB, text string) string {
	septets := septetsOf(t, text)
	_, packed := packGSM7(nil, septets)
	return hex.EncodeToString(append([]byte{byte((len(septets)*7 + 3) / 4), 0xD0}, packed...))
}

// Pitfalls 5 and 6: address types.
func TestSenderTypes(t *testing.T) {
	for _, tc := range []struct {
		oa, sender, kind string
	}{
		{oaDigits(0x91, "27821234567"), "+27821234567", SenderInternational},
		{oaDigits(0xA1, "0821234567"), "0821234567", SenderNational},
		{oaDigits(0xA1, "9494"), "9494", SenderNational}, // the national type keeps its digits
		{oaDigits(0x81, "090"), "090", SenderShortcode},  // unknown type, odd count with filler F
		{oaDigits(0x81, "18005551212"), "18005551212", SenderUnknown},
		{oaDigits(0x81, "12345678"), "12345678", SenderShortcode},
		{oaDigits(0xB1, "9900"), "9900", SenderShortcode}, // network specific
		{oaDigits(0xC8, "27838890001"), "27838890001", SenderNational},
		{oaDigits(0x91, "2782123456*"), "+2782123456*", SenderInternational},
		{oaAlpha(t, "WhatsApp"), "WhatsApp", SenderAlphanumeric}, // 8 characters in 7 octets
		{oaAlpha(t, "FONIC"), "FONIC", SenderAlphanumeric},
		{"09D034186C3603", "40033", SenderAlphanumeric}, // digits sent as alphanumeric (chan-dongle issue #28)
		{oaAlpha(t, "_@"), "_@", SenderAlphanumeric},    // @ is septet 0x00
		{oaAlpha(t, "G-Pay"), "G-Pay", SenderAlphanumeric},
	} {
		h := "04" + tc.oa + "0000" + scts + "00"
		d, err := DecodeHex(h, false)
		if err != nil {
			t.Errorf("OA %s: %v", tc.oa, err)
			continue
		}
		if d.Sender != tc.sender || d.SenderType != tc.kind {
			t.Errorf("OA %s = %q (%s), want %q (%s)", tc.oa, d.Sender, d.SenderType, tc.sender, tc.kind)
		}
	}
	if got := oaAlpha(t, "FONIC"); got[:2] != "09" {
		t.Errorf("FONIC packs to length %s, want 09 semi-octets", got[:2])
	}
	for _, oa := range []string{
		"0B917228F14365F7", // filler in the middle
		"0BF17228214365F7", // reserved type of number 7
		"15917228214365F7", // 21 digits
	} {
		if _, err := DecodeHex("04"+oa+"0000"+scts+"00", false); err == nil {
			t.Errorf("OA %s decoded without an error", oa)
		}
	}
}

// Pitfall 7: the zone octet is swapped BCD quarter hours with the sign in bit 3.
func TestTimestampZone(t *testing.T) {
	for _, tc := range []struct {
		tz   string
		want string
	}{
		{"8A", "-07:00"}, {"48", "-01:00"}, {"2B", "-08:00"}, {"29", "-03:00"},
		{"23", "+08:00"}, {"80", "+02:00"}, {"00", "Z"}, {"22", "+05:30"}, {"69", "-04:00"},
	} {
		d := mustDecode(t, "04"+oaIntl+"0000"+"312012309595"+tc.tz+"00")
		got := d.SentAt.Format(time.RFC3339)
		if want := "2013-02-21T03:59:59" + tc.want; got != want {
			t.Errorf("zone %s: SentAt = %s, want %s", tc.tz, got, want)
		}
	}
	for _, ts := range []string{
		"3A308051206180", // year not BCD
		"31318051206180", // month 13
		"31200351206180", // 30 February
		"31300051206180", // day 0
		"31308052206180", // hour 25
		"31308051266180", // minute 62
		"313080512061F0", // zone units F
		"31308051206197", // zone 79 quarter hours
	} {
		if _, err := DecodeHex("04"+oaIntl+"0000"+ts+"00", false); err == nil {
			t.Errorf("timestamp %s decoded without an error", ts)
		}
	}
}

// Pitfall 8: concatenation anywhere among other elements; total 1 is
// legal; seq 0 or above total, or a wrong length, is rejected.
func TestConcatHeader(t *testing.T) {
	d := mustDecode(t, gsm7PDU(t, 0x40, []byte{0x0B, 0x24, 0x01, 0x01, 0x70, 0x00, 0x08, 0x04, 0x12, 0x34, 0x02, 0x02}, "x"))
	if d.Concat == nil || *d.Concat != (Concat{Ref: 0x1234, RefBits: 16, Total: 2, Seq: 2}) {
		t.Errorf("Concat = %+v after other elements", d.Concat)
	}
	d = mustDecode(t, gsm7PDU(t, 0x40, []byte{0x05, 0x00, 0x03, 0x01, 0x01, 0x01}, "x"))
	if d.Concat == nil || d.Concat.Total != 1 {
		t.Errorf("Concat = %+v, want a 1-part message", d.Concat)
	}
	for _, udh := range [][]byte{
		{0x05, 0x00, 0x03, 0x01, 0x02, 0x00}, // seq 0
		{0x05, 0x00, 0x03, 0x01, 0x02, 0x03}, // seq > total
		{0x05, 0x00, 0x03, 0x01, 0x00, 0x00}, // total 0
		{0x04, 0x00, 0x02, 0x01, 0x02},       // wrong length
		{0x05, 0x00, 0x05, 0x01, 0x02, 0x01}, // element overruns the header
		{0x01, 0x00},                         // element header cut short
	} {
		if _, err := DecodeHex(gsm7PDU(t, 0x40, udh, "x"), false); err == nil {
			t.Errorf("header % X decoded without an error", udh)
		}
	}
	if _, err := DecodeHex("40"+oaIntl+"0000"+scts+"020A00", false); err == nil {
		t.Error("header length overrunning the user data decoded without an error")
	}
}

// Pitfall 9: every DCS coding group.
func TestDCSGroups(t *testing.T) {
	for _, tc := range []struct {
		dcs      byte
		encoding string
		class    int
		binary   bool
	}{
		{0x00, EncodingGSM7, -1, false},
		{0x04, Encoding8Bit, -1, true},
		{0x08, EncodingUCS2, -1, false},
		{0x10, EncodingGSM7, 0, false}, // flash
		{0x11, EncodingGSM7, 1, false},
		{0x16, Encoding8Bit, 2, true},
		{0x1A, EncodingUCS2, 2, false},
		{0x20, Encoding8Bit, -1, true}, // compressed
		{0x40, EncodingGSM7, -1, false},
		{0x48, EncodingUCS2, -1, false},
		{0x54, Encoding8Bit, 0, true},
		{0xC0, EncodingGSM7, -1, false},
		{0xC8, EncodingGSM7, -1, false},
		{0xD3, EncodingGSM7, -1, false},
		{0xE0, EncodingUCS2, -1, false},
		{0xF0, EncodingGSM7, 0, false},
		{0xF4, Encoding8Bit, 0, true},
		{0xF5, Encoding8Bit, 1, true},
		{0xFB, EncodingGSM7, 3, false},
	} {
		body := []byte{0x00, 0x41}
		h := octetPDU(0x04, tc.dcs, nil, body)
		if tc.encoding == EncodingGSM7 {
			h = "04" + oaIntl + "00" + hex.EncodeToString([]byte{tc.dcs}) + scts + "0141"
		}
		d := mustDecode(t, h)
		if d.Encoding != tc.encoding || d.Class != tc.class || d.Binary != tc.binary {
			t.Errorf("DCS %#02x: encoding %s class %d binary %v, want %s %d %v", tc.dcs, d.Encoding, d.Class, d.Binary, tc.encoding, tc.class, tc.binary)
		}
	}
	for _, dcs := range []string{"0C", "2C", "4C", "80", "9F", "BF"} {
		if _, err := DecodeHex("04"+oaIntl+"00"+dcs+scts+"00", false); err == nil {
			t.Errorf("reserved DCS %s decoded without an error", dcs)
		}
	}
}

// Pitfall 10: only TP-MTI 0 is SMS-DELIVER; the other bits of the first octet vary.
func TestMessageTypes(t *testing.T) {
	for _, tc := range []struct {
		fo   string
		want string
	}{
		{"01", "submit"}, {"11", "submit"}, {"02", "status_report"}, {"06", "status_report"}, {"03", "reserved"}, {"FF", "reserved"},
	} {
		_, err := DecodeHex(tc.fo+oaIntl+"0000"+scts+"00", false)
		var nd *NotDeliverError
		if !errors.As(err, &nd) || nd.Type != tc.want {
			t.Errorf("first octet %s: %v, want NotDeliverError %q", tc.fo, err, tc.want)
		}
	}
	for _, fo := range []string{"00", "04", "08", "20", "24", "80", "A4"} {
		d, err := DecodeHex(fo+oaIntl+"0000"+scts+"00", false)
		if err != nil {
			t.Errorf("first octet %s: %v", fo, err)
			continue
		}
		if got, want := d.MoreToSend, fo == "00" || fo == "08" || fo == "20" || fo == "80"; got != want {
			t.Errorf("first octet %s: MoreToSend = %v, want %v", fo, got, want)
		}
	}
}

// Pitfall 11: port-addressed content is binary, even in a text alphabet.
func TestApplicationPorts(t *testing.T) {
	d := mustDecode(t, octetPDU(0x44, 0xF5, []byte{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}, []byte{0x01, 0x06, 0x03}))
	if !d.Binary || d.Text != "" || d.Ports == nil || *d.Ports != (Ports{Dst: 2948, Src: 9200}) {
		t.Errorf("WAP push: Binary %v Text %q Ports %+v", d.Binary, d.Text, d.Ports)
	}
	if got := hex.EncodeToString(d.UserData); got != "010603" {
		t.Errorf("UserData = %s, want 010603", got)
	}
	d = mustDecode(t, gsm7PDU(t, 0x40, []byte{0x04, 0x04, 0x02, 0xE2, 0xE2}, "vcard"))
	if !d.Binary || d.Text != "" || d.Ports == nil || *d.Ports != (Ports{Dst: 0xE2, Src: 0xE2}) {
		t.Errorf("8-bit ports over GSM 7-bit: Binary %v Text %q Ports %+v", d.Binary, d.Text, d.Ports)
	}
	if got, want := string(d.UserData), string(septetsOf(t, "vcard")); got != want {
		t.Errorf("UserData = % X, want the septets % X", d.UserData, want)
	}
}

// Pitfall 12: TP-PID is reported, never used to decode.
func TestPIDKept(t *testing.T) {
	for _, pid := range []byte{0x00, 0x01, 0x39, 0x40, 0x41, 0xFF} {
		d := mustDecode(t, "04"+oaIntl+hex.EncodeToString([]byte{pid})+"00"+scts+"0141")
		if d.PID != pid || d.Text != "A" {
			t.Errorf("PID %#02x: got PID %#02x text %q", pid, d.PID, d.Text)
		}
	}
}

// National language tables selected by IEs 0x24 (single shift) and 0x25 (locking shift).
func TestNationalLanguageTables(t *testing.T) {
	for _, tc := range []struct {
		name    string
		udh     []byte
		septets []byte
		want    string
	}{
		{"Turkish single shift", []byte{0x03, 0x24, 0x01, 0x01}, []byte{0x1B, 0x47, 0x1B, 0x53, 0x1B, 0x69, 0x1B, 0x63, 0x1B, 0x65, 0x41}, "ĞŞıç€A"},
		{"Turkish locking shift", []byte{0x03, 0x25, 0x01, 0x01}, []byte{0x04, 0x07, 0x0B, 0x0C, 0x1C, 0x1D, 0x40, 0x60}, "€ıĞğŞşİç"},
		{"Turkish both", []byte{0x06, 0x24, 0x01, 0x01, 0x25, 0x01, 0x01}, []byte{0x07, 0x1B, 0x53}, "ıŞ"},
		{"Spanish single shift", []byte{0x03, 0x24, 0x01, 0x02}, []byte{0x1B, 0x09, 0x1B, 0x41, 0x1B, 0x49, 0x1B, 0x4F, 0x1B, 0x55, 0x1B, 0x61, 0x1B, 0x69, 0x1B, 0x6F, 0x1B, 0x75}, "çÁÍÓÚáíóú"},
		{"Spanish locking shift falls back to default", []byte{0x03, 0x25, 0x01, 0x02}, []byte{0x7D}, "ñ"},
		{"Portuguese locking shift", []byte{0x03, 0x25, 0x01, 0x03}, []byte{0x04, 0x09, 0x12, 0x15, 0x7B, 0x7C, 0x5B, 0x60}, "êçª∞ãõÃ~"},
		{"Portuguese single shift", []byte{0x03, 0x24, 0x01, 0x03}, []byte{0x1B, 0x05, 0x1B, 0x12, 0x1B, 0x7F}, "êΦâ"},
		{"Hindi locking shift", []byte{0x03, 0x25, 0x01, 0x06}, []byte{0x2F, 0x42, 0x4C, 0x5F, 0x27, 0x59}, "नमस्ते"},
		{"Hindi single shift digits", []byte{0x06, 0x24, 0x01, 0x06, 0x25, 0x01, 0x06}, []byte{0x1B, 0x41, 0x1B, 0x1C, 0x1B, 0x1D, 0x1B, 0x25}, "A०१९"},
		{"Bengali locking shift", []byte{0x03, 0x25, 0x01, 0x04}, []byte{0x03, 0x13}, "অও"},
		{"Tamil locking shift", []byte{0x03, 0x25, 0x01, 0x0B}, []byte{0x12, 0x20}, "ஒ "},
		{"Urdu locking shift", []byte{0x03, 0x25, 0x01, 0x0D}, []byte{0x00, 0x02}, "اب"},
		{"Telugu single shift", []byte{0x03, 0x24, 0x01, 0x0C}, []byte{0x1B, 0x1C}, "౦"},
		{"unknown language uses the default", []byte{0x06, 0x24, 0x01, 0x7F, 0x25, 0x01, 0x7F}, []byte{0x1B, 0x65, 0x7D}, "€ñ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			udl, ud := packGSM7(tc.udh, tc.septets)
			d := mustDecode(t, "40"+oaIntl+"0000"+scts+hex.EncodeToString([]byte{byte(udl)})+hex.EncodeToString(ud))
			if d.Text != tc.want {
				t.Errorf("Text = %q, want %q", d.Text, tc.want)
			}
		})
	}
	// A septet the locking-shift table leaves undefined is an error.
	udl, ud := packGSM7([]byte{0x03, 0x25, 0x01, 0x04}, []byte{0x0C})
	if _, err := DecodeHex("40"+oaIntl+"0000"+scts+hex.EncodeToString([]byte{byte(udl)})+hex.EncodeToString(ud), false); err == nil {
		t.Error("undefined Bengali septet 0x0C decoded without an error")
	}
}

func TestTablesShape(t *testing.T) {
	for i, tab := range lockingTables {
		if tab == nil {
			continue
		}
		if tab[0x1B] != esc || tab[0x0A] != '\n' || tab[0x0D] != '\r' || tab[0x20] != ' ' {
			t.Errorf("%s locking table: control positions wrong", languageNames[i])
		}
		for j, c := range "0123456789" {
			if tab[0x30+j] != c {
				t.Errorf("%s locking table: digit %c not at 0x%02X", languageNames[i], c, 0x30+j)
			}
		}
	}
	for i, tab := range shiftTables {
		if tab[0x65] != '€' || tab[0x0A] != '\f' {
			t.Errorf("%s single shift table: € or form feed misplaced", languageNames[i])
		}
	}
}

func TestDecodeHexInput(t *testing.T) {
	h := "  " + strings.ToLower("06917228195339040B917228214365F700003130805120618005D4F29C2E03") + "\r\n"
	d, err := DecodeHex(h, true)
	if err != nil || d.Text != "Test2" {
		t.Fatalf("DecodeHex lower case with spaces: %v %+v", err, d)
	}
	for _, in := range []string{"", "   ", "0", "0G", "06917228195339040B91722821436XF7"} {
		if _, err := DecodeHex(in, true); err == nil {
			t.Errorf("DecodeHex(%q) gave no error", in)
		}
	}
	if _, err := Decode(nil, false); !errors.Is(err, ErrEmpty) {
		t.Errorf("Decode(nil) = %v, want ErrEmpty", err)
	}
	if _, err := DecodeHex("0C91", true); err == nil {
		t.Error("SMSC length over 11 octets decoded without an error")
	}
}
