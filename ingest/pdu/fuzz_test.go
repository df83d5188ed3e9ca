package pdu

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary octets to Decode with and without the SMSC
// field: it must never panic, and what it accepts must be consistent.
func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		raw, err := hex.DecodeString(v.Hex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, v.HasSMSC)
	}
	f.Fuzz(func(t *testing.T, b []byte, hasSMSC bool) {
		d, err := Decode(b, hasSMSC)
		r := Inspect(hex.EncodeToString(b), hasSMSC)
		if _, jerr := json.Marshal(r); jerr != nil {
			t.Fatalf("report does not marshal: %v", jerr)
		}
		if err != nil {
			if d != nil || !r.Failed() || r.Error != err.Error() {
				t.Fatalf("error %v with result %+v / report %+v", err, d, r)
			}
			return
		}
		if r.Failed() {
			t.Fatalf("Decode succeeded, Inspect failed: %s", r.Error)
		}
		if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Sender) {
			t.Fatalf("invalid UTF-8 in %+v", d)
		}
		if d.Binary && d.Text != "" {
			t.Fatalf("binary content with text %q", d.Text)
		}
		if c := d.Concat; c != nil && (c.Seq < 1 || c.Seq > c.Total) {
			t.Fatalf("accepted concat %+v", c)
		}
		if d.Encoding == EncodingUCS2 && len(d.UserData)%2 != 0 {
			t.Fatalf("odd UCS-2 user data accepted")
		}
	})
}
