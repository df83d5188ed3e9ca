package pdu

import (
	"encoding/json"
	"testing"
)

func TestInspectJSON(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hex     string
		hasSMSC bool
		want    string
		failed  bool
	}{
		{"text", "06917228195339040B917228214365F700003130805120618005D4F29C2E03", true,
			`{"sender":"+27821234567","sender_type":"international","smsc":"+2782913593","sent_at":"2013-03-08T15:02:16+02:00","text":"Test2","dcs":0,"pid":0,"concat":null}`, false},
		{"without SMSC", "040B917228214365F700003130805120618005D4F29C2E03", false,
			`{"sender":"+27821234567","sender_type":"international","smsc":"","sent_at":"2013-03-08T15:02:16+02:00","text":"Test2","dcs":0,"pid":0,"concat":null}`, false},
		{"concat 16-bit", "07911356131313F64004850120390011609232239180A006080400100201D7327BFD6EB340E2321BF46E83EA7790F59D1E97DBE1341B442F83C465763D3DA797E56537C81D0ECB41AB59CC1693C16031D96C064241E5656838AF03A96230982A269BCD462917C8FA4E8FCBED709A0D7ABBE9F6B0FB5C7683D27350984D4FABC9A0B33C4C4FCF5D20EBFB2D079DCB62793DBD06D9C36E50FB2D4E97D9A0B49B5E96BBCB", true,
			`{"sender":"1002","sender_type":"shortcode","smsc":"+31653131316","sent_at":"2011-06-29T23:32:19+02:00","text":"Welkom, bel om uw Voicemail te beluisteren naar +31612001233 (PrePay: *100*1233#). Voicemail ontvangen is altijd gratis. Voor gebruik van mobiel interne","dcs":0,"pid":57,"concat":{"ref":16,"ref_bits":16,"total":2,"seq":1}}`, false},
		{"WAP push", "07913307005630F0440BA13307570230F00006017010900412806A0605040B8423F0040603BEAF848C829831323737393730303539008D92891980160433333730373532303033302F545950453D504C4D4E009679424F008A808E0122880481020BB883687474703A2F2F6D6D73632E6C61626D6374656C2E66723A393039302F6D333300", true,
			`{"sender":"33707520030","sender_type":"national","smsc":"+33700065030","sent_at":"2010-07-01T09:40:21+02:00","dcs":6,"pid":0,"concat":null,"ports":{"dst":2948,"src":9200},"binary":"040603beaf848c829831323737393730303539008d92891980160433333730373532303033302f545950453d504c4d4e009679424f008a808e0122880481020bb883687474703a2f2f6d6d73632e6c61626d6374656c2e66723a393039302f6d333300"}`, false},
		{"lone surrogate", "040B917228214365F7000831308051206180" + "04D8000041", false,
			`{"sender":"+27821234567","sender_type":"international","smsc":"","sent_at":"2013-03-08T15:02:16+02:00","text":"` + "\uFFFD" + `A","dcs":8,"pid":0,"concat":null}`, false},
		{"status report", "0006D60B911326880736F4111011719551401110117195714000", true,
			`{"type":"status_report","error":"the PDU is a status report, not an SMS-DELIVER"}`, true},
		{"invalid", "0791", true, `{"error":"the PDU ends inside the SMSC address (needs 7 octets at octet 1, has 1)"}`, true},
		{"not hex", "zz", true, `{"error":"the hex input holds the character 'z', which is not a hex digit"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Inspect(tc.hex, tc.hasSMSC)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if r.Failed() != tc.failed {
				t.Errorf("Failed() = %v, want %v", r.Failed(), tc.failed)
			}
		})
	}
}
