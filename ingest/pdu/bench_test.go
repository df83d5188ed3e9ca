package pdu

import (
	"encoding/hex"
	"testing"
)

func benchDecode(b *testing.B, hexes ...string) {
	b.Helper()
	pdus := make([][]byte, len(hexes))
	size := 0
	for i, h := range hexes {
		raw, err := hex.DecodeString(h)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(raw, true); err != nil {
			b.Fatal(err)
		}
		pdus[i] = raw
		size += len(raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pdus {
			if _, err := Decode(p, true); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(pdus))/b.Elapsed().Seconds(), "PDUs/s")
}

// A 157-character GSM 7-bit message (python-gsmmodem, Cell C).
func BenchmarkDecodeGSM7(b *testing.B) {
	benchDecode(b, "07917248010080F020109172480010359099990000312070101344809FCEF21D14769341E8B2BC0CA2BF41737A381F0211DFEE131DA4AECFE92079798C0ECBCF65D0B40A0D0E9141E9B1080ABBC9A073990ECABFEB7290BC3C4687E5E73219144ECBE9E976796594168BA06199CD1E82E86FD0B0CC660F41EDB47B0E3281A6CDE97C659497CB2072981E06D1DFA0FABC0C0ABBF3F474BBEC02514D4350180E67E75DA06199CD060D01")
}

// A 70-character UCS-2 message from an alphanumeric sender (built on ModemManager test_pdu2).
func BenchmarkDecodeUCS2(b *testing.B) {
	body := ""
	for i := 0; i < 35; i++ {
		body += "041A043E"
	}
	benchDecode(b, "07919730071111F10414D04937BD2C7797E9D3E614000811309291024061"+"8C"+body)
}

// The two parts of a concatenated message (ModemManager test_pdu_multipart).
func BenchmarkDecodeMultipart(b *testing.B) {
	benchDecode(b,
		"07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E83C2207B599E07B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434081E96D341E3303C2C4EB3D3F4BC0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3CBA0BA9B5C96B3F369F71954768FDFE4B4FB0C9297E1F2F2BCECA6CF41",
		"07912160130320F6440B916171056429F5000021405291651569320500034C0202E9E8301D44479741F0B09C3E0785E56590BCCC0ED3CB6410FD0D7ABBCBA0B0FB4D4797E52E10")
}
