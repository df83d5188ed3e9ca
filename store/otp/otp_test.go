package otp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Message shapes as services send them (codes, names and numbers changed).
var codeMessages = []struct {
	service, body, code, alphabet, lang string
}{
	{"WhatsApp", "Your WhatsApp code: 123-456\nDon't share this code with others\n4sgLq1p5sV6", "123456", "digits", "en"},
	{"WhatsApp", "<#> Your WhatsApp code: 731-902\nYou can also tap on this link to verify your phone: v.whatsapp.com/731902\nDon't share this code with others\n4sgLq1p5sV6", "731902", "digits", "en"},
	{"WhatsApp", "Tu código de WhatsApp: 482-913\nNo compartas este código con nadie.", "482913", "digits", "es"},
	{"WhatsApp", "Seu código do WhatsApp: 739-120\nNão compartilhe este código com ninguém.", "739120", "digits", "pt"},
	{"Google", "G-123456 is your Google verification code.", "123456", "digits", "en"},
	{"Google", "G-582019 es tu código de verificación de Google.", "582019", "digits", "es"},
	{"Google", "G-771204 ist dein Bestätigungscode von Google.", "771204", "digits", "de"},
	{"Telegram", "Telegram code: 12345\n\nYou can also tap on this link to log in:\nhttps://t.me/login/12345\n\nThis code can be used to log in to your Telegram account. We never ask it for anything else. DO NOT give it to anyone, even if they say they're from Telegram!!", "12345", "digits", "en"},
	{"Telegram", "Код подтверждения Telegram: 73921. Никому не давайте код, даже если его требуют от имени Telegram!", "73921", "digits", "ru"},
	{"Microsoft", "Use 1234 as Microsoft account security code", "1234", "digits", "en"},
	{"Microsoft", "Microsoft account security code: 8842107", "8842107", "digits", "en"},
	{"Apple", "Your Apple ID Code is: 482910. Don't share it with anyone.", "482910", "digits", "en"},
	{"Apple", "Your Apple Account code is: 573920. Do not share it with anyone.\n\n@apple.com #573920 %apple.com", "573920", "digits", "en"},
	{"Facebook", "FB-12345 is your Facebook confirmation code", "12345", "digits", "en"},
	{"Instagram", "123 456 is your Instagram code. Don't share it.", "123456", "digits", "en"},
	{"TikTok", "[TikTok] 482913 is your verification code, valid for 5 minutes. To keep your account safe, never forward this code.", "482913", "digits", "en"},
	{"Uber", "Your Uber code: 4821. Never share this code. Reply STOP ALL to 89203 to unsubscribe.", "4821", "digits", "en"},
	{"Uber", "Hi John, your Uber code is 9917. Never share this code.", "9917", "digits", "en"},
	{"Amazon", "123456 is your Amazon OTP. Do not share it with anyone.", "123456", "digits", "en"},
	{"PayPal", "PayPal: Your security code is: 482910. Your code expires in 10 minutes. Please don't reply.", "482910", "digits", "en"},
	{"Discord", "Your Discord security code is: 583920", "583920", "digits", "en"},
	{"HDFC Bank", "Dear Customer, your OTP for transaction of Rs.1,250.00 at AMAZON on HDFC Bank card ending 1234 is 482910. OTP valid for 10 mins.", "482910", "digits", "en"},
	{"SBI", "OTP for txn of INR 5000.00 at FLIPKART on card XX4321 is 731904. Valid for 3 mins. Do not share it with anyone - SBI", "731904", "digits", "en"},
	{"Barclays", "Barclays: 48291034 is your one-time passcode for a payment of £25.00 to AMAZON. Never share this code, not even with us.", "48291034", "digits", "en"},
	{"Sparkasse", "Ihre mTAN für die Überweisung von 250,00 EUR lautet: 482917. Gültig 5 Minuten.", "482917", "digits", "de"},
	{"Zalando", "Dein Bestätigungscode für Zalando lautet 582013.", "582013", "digits", "de"},
	{"Leboncoin", "Votre code de vérification Leboncoin est 482013. Ne le partagez avec personne.", "482013", "digits", "fr"},
	{"Poste", "Il tuo codice di verifica è 583920", "583920", "digits", "it"},
	{"Trendyol", "Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.", "482913", "digits", "tr"},
	{"Getir", "Getir giriş şifreniz: 4829", "4829", "digits", "tr"},
	{"STC", "رمز التحقق الخاص بك هو 482913", "482913", "digits", "ar"},
	{"Paytm", "आपका OTP 482913 है। इसे किसी के साथ साझा न करें।", "482913", "digits", "hi"},
	{"Tencent", "【腾讯科技】您的验证码为839201，5分钟内有效，请勿泄露。", "839201", "digits", "zh"},
	{"Alipay", "【支付宝】验证码：583920，您正在进行身份验证，切勿告知他人。", "583920", "digits", "zh"},
	{"LINE", "認証コード：482913 このコードを他人に教えないでください。", "482913", "digits", "ja"},
	{"Kakao", "[Web발신] 인증번호 [482913]을 입력해주세요.", "482913", "digits", "ko"},
	{"Gojek", "Kode verifikasi Gojek kamu: 4829. JANGAN berikan kode ini ke siapa pun.", "4829", "digits", "id"},
	{"Zalo", "Mã xác thực của bạn là 482913. Không chia sẻ mã này cho bất kỳ ai.", "482913", "digits", "vi"},
	{"Allegro", "Twój kod weryfikacyjny to 482913.", "482913", "digits", "pl"},
	{"Bol", "Je verificatiecode is 482913", "482913", "digits", "nl"},
	{"Nubank", "Nubank: 4829 é o seu código de verificação. Não compartilhe.", "4829", "digits", "pt"},
	{"Mercado Pago", "Mercado Pago: tu código de seguridad es 583920. No lo compartas.", "583920", "digits", "es"},
	{"Steam", "Your Steam Guard code: 5X7KQ", "5X7KQ", "alnum", "en"},
	{"Acme", "Your verification code is K7G2PQ. It expires in 15 minutes.", "K7G2PQ", "alnum", "en"},
	{"X", "Your X confirmation code is 4ab2cd9e", "4ab2cd9e", "alnum", "en"},
	{"Acme", "Your login code is: QWZPRT", "QWZPRT", "letters", "en"},
	{"Coinbase", "Your Coinbase verification code is: 4829103. Don't share this code with anyone; our employees will never ask for the code.", "4829103", "digits", "en"},
	{"LinkedIn", "Your LinkedIn verification code is 482913.", "482913", "digits", "en"},
	{"Snapchat", "Snapchat code: 482913. Happy Snapping!", "482913", "digits", "en"},
	{"Yandex", "Код: 4829. Никому не говорите код!", "4829", "digits", "ru"},
	{"Monobank", "Ваш код для входу: 4829. Нікому не повідомляйте його.", "4829", "digits", "uk"},
	{"Acme", "<#> 482913 is your Acme code\nFA+9qCX9VSu", "482913", "digits", "en"},
	{"Acme", "Your code: 1234 5678", "12345678", "digits", "en"},
	{"Acme", "Your PIN is 1987", "1987", "digits", "en"},
	{"Deliveroo", "Order 98765: your pickup code is 4821", "4821", "digits", "en"},
	{"Best Buy", "Confirm payment of $1,500.00 at BestBuy with code 582013", "582013", "digits", "en"},
	{"Lyft", "Your Lyft code is 4821. Questions? Call +1 415 555 0100", "4821", "digits", "en"},
	{"Acme", "Your code 839201 expires on 2026-11-20 at 10:30", "839201", "digits", "en"},
	{"HMRC", "Your HMRC access code is 482913. It expires in 15 minutes.", "482913", "digits", "en"},
	{"Bare", "482910", "482910", "digits", ""},
	{"Netflix", "Netflix: 4829", "4829", "digits", ""},
	{"Acme", "Your verification code for jane.doe@example.com is 771203", "771203", "digits", "en"},
	{"Avito", "Ваш код: 48-29-13", "482913", "digits", "ru"},
	{"Doctolib", "Votre code : 482913", "482913", "digits", "fr"},
	{"Rappi", "Código de verificación: 4821-9930", "48219930", "digits", "es"},
	{"ICICI", "YOUR OTP IS 482913. DO NOT SHARE", "482913", "digits", "en"},
	{"Acme", "Your one-time code is 2024. It expires in 10 minutes.", "2024", "digits", "en"},
	{"Amazon", "Your Amazon code is 123456. Order #112-1234567-1234567", "123456", "digits", "en"},
}

// Messages that carry no code.
var plainMessages = []string{
	"Your order #123456789 has shipped.",
	"Total due: $12.99 on 20/11/2026.",
	"Your bill of 1,500 EUR is due on 2026-11-20.",
	"Call us on +44 7400 123456 for help.",
	"Meeting moved to 10:30 on 20/11/2026.",
	"Happy new year 2026 from all of us!",
	"Your parcel 12345678 will arrive tomorrow between 10:00 and 12:00.",
	"Use promo code SAVE20 for 20% off your next order!",
	"Your balance is 2500 points. Redeem now at example.com/rewards",
	"Your card ending 4821 was charged £25.00.",
	"Tracking code: 1Z999AA10123456784",
	"Ваш заказ 482913 доставлен. Сумма 1 500 ₽.",
	"您的订单 20261120 已发货",
	"Flight BA123 departs 20 Nov 2026 at 14:05 from gate 23.",
	"Your PIN was changed on 20/11/2026. If this wasn't you call 0800 123 4567.",
	"Your verification is complete. Thank you for choosing us in 2026!",
	"Código postal 28001 Madrid",
	"Your data: 5000 MB left until 30.11.2026.",
	"Booking confirmation 123456 for 20 Nov 2026",
	"Promo: use code WELCOME10 at checkout. Order by 12/31.",
	"Your account 12345678 has been credited with INR 5,000.00",
	"Your code is ready. Call 555 1234 for help.",
	"Pay 1 500 000 UZS by 2026-12-01",
	"",
	"    ",
	"Reply STOP to 89203",
	"Your code expires in 2026",
	"YOUR CODE EXPIRES SOON",
	"Nov 20, 2026: your new PIN letter is on its way",
}

func TestExtract(t *testing.T) {
	langs := map[string]bool{}
	for _, tt := range codeMessages {
		t.Run(tt.service+"/"+tt.code, func(t *testing.T) {
			if got := Extract(tt.body); got != tt.code {
				t.Errorf("Extract(%q) = %q; want %q", tt.body, got, tt.code)
			}
			sh := Analyze(tt.body)
			if sh.Code != tt.code {
				t.Errorf("Analyze(%q).Code = %q; want %q", tt.body, sh.Code, tt.code)
			}
			if want := len(tt.code); sh.CodeLength != want {
				t.Errorf("CodeLength = %d; want %d", sh.CodeLength, want)
			}
			if sh.Alphabet != tt.alphabet {
				t.Errorf("Alphabet = %q; want %q", sh.Alphabet, tt.alphabet)
			}
			if sh.Language != tt.lang {
				t.Errorf("Language of %q = %q; want %q", tt.body, sh.Language, tt.lang)
			}
			if strings.Contains(sh.Template, tt.code) {
				t.Errorf("template %q still shows the code %q", sh.Template, tt.code)
			}
		})
		langs[tt.lang] = true
	}
	if len(codeMessages) < 40 || len(langs) < 7 {
		t.Errorf("only %d messages in %d languages", len(codeMessages), len(langs))
	}
}

func TestExtractNone(t *testing.T) {
	for _, body := range plainMessages {
		t.Run(body, func(t *testing.T) {
			sh := Analyze(body)
			if sh.Code != "" || sh.CodeLength != 0 || sh.Alphabet != "" {
				t.Errorf("Analyze(%q) found code %q (%d, %q); want none", body, sh.Code, sh.CodeLength, sh.Alphabet)
			}
			if got := Extract(body); got != "" {
				t.Errorf("Extract(%q) = %q; want none", body, got)
			}
		})
	}
}

func TestTemplateMasks(t *testing.T) {
	tests := []struct{ body, want string }{
		{"Your WhatsApp code: 123-456", "Your WhatsApp code: ###-###"},
		{"G-123456 is your Google verification code.", "G-###### is your Google verification code."},
		{"Your Steam Guard code: 5X7KQ", "Your Steam Guard code: XXXXX"},
		{"Your code 4821 is valid for 10 minutes.", "Your code #### is valid for {number} minutes."},
		{"Code 4821. Paid $1,250.00 on 20/11/2026 at 10:30.", "Code ####. Paid ${number} on {number} at {number}."},
		{"Your code 4821 for +44 7400 123456", "Your code #### for {number}"},
		{"Code 4821: https://ex.com/v?t=abc&u=1 now", "Code ####: {url} now"},
		{"Code 4821 sent to ana@example.com.", "Code #### sent to {email}."},
		{"<#> Code 4821\nFA+9qCX9VSu", "<#> Code ####\n{hash}"},
		{"Hi Ana María, your code is 4821", "Hi {name}, your code is ####"},
		{"Sayın AHMET YILMAZ, kodunuz 4821", "Sayın {name}, kodunuz ####"},
		{"Code 4821 for @jane_doe", "Code #### for @{name}"},
		{"Code 4821 on card XX1234", "Code #### on card XX{number}"},
		{"Your 2FA code: 4821", "Your 2FA code: ####"},
		{"  Code:\t4821 \r\n\n  bye  ", "Code: ####\nbye"},
		{"Code 4821 \x00\x1b end", "Code #### end"},
		{"Code 4821 \xff end", "Code #### \uFFFD end"},
		{"رمز التحقق ٤٨٢٩ صالح ١٠ دقائق", "رمز التحقق {number} صالح {number} دقائق"},
	}
	for _, tt := range tests {
		if got := Analyze(tt.body).Template; got != tt.want {
			t.Errorf("template of %q = %q; want %q", tt.body, got, tt.want)
		}
	}
}

// Messages labelled by format: the same label must give the same
// template, another label another template.
var formatMessages = []struct{ format, body string }{
	{"whatsapp-en", "Your WhatsApp code: 123-456\nDon't share this code with others\n4sgLq1p5sV6"},
	{"whatsapp-en", "Your WhatsApp code: 904-117\nDon't share this code with others\n4sgLq1p5sV6"},
	{"whatsapp-en", "Your WhatsApp code: 550-382\nDon't share this code with others\nkJ7sBk9eXd2"},
	{"whatsapp-es", "Tu código de WhatsApp: 482-913\nNo compartas este código con nadie."},
	{"whatsapp-es", "Tu código de WhatsApp: 100-274\nNo compartas este código con nadie."},
	{"whatsapp-link", "<#> Your WhatsApp code: 731-902\nYou can also tap on this link to verify your phone: v.whatsapp.com/731902\nDon't share this code with others\n4sgLq1p5sV6"},
	{"whatsapp-link", "<#> Your WhatsApp code: 228-615\nYou can also tap on this link to verify your phone: v.whatsapp.com/228615\nDon't share this code with others\n4sgLq1p5sV6"},
	{"google-en", "G-123456 is your Google verification code."},
	{"google-en", "G-998877 is your Google verification code."},
	{"google-en", "G-040506 is your Google verification code."},
	{"google-es", "G-582019 es tu código de verificación de Google."},
	{"google-es", "G-300411 es tu código de verificación de Google."},
	{"telegram-en", "Telegram code: 12345\n\nYou can also tap on this link to log in:\nhttps://t.me/login/12345\n\nThis code can be used to log in to your Telegram account."},
	{"telegram-en", "Telegram code: 67890\n\nYou can also tap on this link to log in:\nhttps://t.me/login/67890\n\nThis code can be used to log in to your Telegram account."},
	{"telegram-ru", "Код подтверждения Telegram: 73921. Никому не давайте код!"},
	{"telegram-ru", "Код подтверждения Telegram: 10458. Никому не давайте код!"},
	{"microsoft", "Use 1234 as Microsoft account security code"},
	{"microsoft", "Use 8120 as Microsoft account security code"},
	{"uber", "Hi John, your Uber code is 4821. Never share this code."},
	{"uber", "Hi Maria, your Uber code is 9917. Never share this code."},
	{"hdfc", "Dear Customer, your OTP for transaction of Rs.1,250.00 at AMAZON on HDFC Bank card ending 1234 is 482910. OTP valid for 10 mins."},
	{"hdfc", "Dear Customer, your OTP for transaction of Rs.87.50 at AMAZON on HDFC Bank card ending 9876 is 103948. OTP valid for 10 mins."},
	{"amazon", "123456 is your Amazon OTP. Do not share it with anyone."},
	{"amazon", "654321 is your Amazon OTP. Do not share it with anyone."},
	{"paypal", "PayPal: Your security code is: 482910. Your code expires in 10 minutes. Please don't reply."},
	{"paypal", "PayPal: Your security code is: 119283. Your code expires in 10 minutes. Please don't reply."},
	{"tencent", "【腾讯科技】您的验证码为839201，5分钟内有效，请勿泄露。"},
	{"tencent", "【腾讯科技】您的验证码为120394，10分钟内有效，请勿泄露。"},
	{"kakao", "[Web발신] 인증번호 [482913]을 입력해주세요."},
	{"kakao", "[Web발신] 인증번호 [110022]을 입력해주세요."},
	{"instagram", "123 456 is your Instagram code. Don't share it."},
	{"instagram", "908 172 is your Instagram code. Don't share it."},
	{"steam", "Your Steam Guard code: 5X7KQ"},
	{"steam", "Your Steam Guard code: R2D2C"},
	{"acme-email", "Your verification code for jane.doe@example.com is 771203"},
	{"acme-email", "Your verification code for bob@test.org is 112233"},
	{"lyft-link", "Your Lyft code is 4821. Manage: https://lyft.com/s/ab12"},
	{"lyft-link", "Your Lyft code is 7730. Manage: https://lyft.com/s/zz99x"},
	{"acme", "Your Acme code is 1234"},
	{"bolt", "Your Bolt code is 1234"},
	{"pin-dear", "Dear Anna Schmidt, your PIN is 4821"},
	{"pin-dear", "Dear Bob, your PIN is 1234"},
	{"order", "Your order 12345 has shipped"},
	{"order", "Your order 98765432 has shipped"},
	{"retriever", "<#> 482913 is your Acme code\nFA+9qCX9VSu"},
	{"retriever", "<#> 771122 is your Acme code\nkJ7sBk9eXd2"},
}

func TestTemplateGroups(t *testing.T) {
	templates := make([]string, len(formatMessages))
	formats := map[string]bool{}
	for i, m := range formatMessages {
		templates[i] = Analyze(m.body).Template
		formats[m.format] = true
	}
	for i, a := range formatMessages {
		for j := i + 1; j < len(formatMessages); j++ {
			b := formatMessages[j]
			same := templates[i] == templates[j]
			if a.format == b.format && !same {
				t.Errorf("%s: templates differ:\n  %q\n  %q", a.format, templates[i], templates[j])
			}
			if a.format != b.format && same {
				t.Errorf("%s and %s share template %q", a.format, b.format, templates[i])
			}
		}
	}
	if len(formatMessages) < 40 || len(formats) < 15 {
		t.Errorf("only %d messages in %d formats", len(formatMessages), len(formats))
	}
}

func TestAnalyzeHostile(t *testing.T) {
	bodies := []string{
		strings.Repeat("code 1234 ", 7000),
		strings.Repeat("9", 100000),
		strings.Repeat("1-", 50000),
		strings.Repeat("验证码", 30000),
		strings.Repeat("\xff", 1000),
		strings.Repeat("a@b.c ", 5000),
		strings.Repeat("http://x.io/", 5000),
		"code \u202e123456\u202c",
		"code 12\u200b3456",
		strings.Repeat("Hi ", 10000),
		"code " + strings.Repeat("ABCD ", 13000),
		"code " + strings.Repeat("A1B2 ", 13000),
		strings.Repeat("1 ", 30000),
		strings.Repeat("abcdefghijk\n", 5000),
		strings.Repeat("Abcdef12345 ", 5000),
		"code" + strings.Repeat("!", 60000) + "1234",
		strings.Repeat("@", 10000),
		"+",
		"-1234",
		"1234-",
		"G-",
		"<#>",
	}
	for _, body := range bodies {
		sh := Analyze(body)
		if !utf8.ValidString(sh.Template) {
			t.Errorf("template of %.30q... is not UTF-8", body)
		}
		if len(sh.Code) > 10 || sh.CodeLength > 10 {
			t.Errorf("code %q of %.30q... is too long", sh.Code, body)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, m := range codeMessages {
		f.Add(m.body)
	}
	for _, b := range plainMessages {
		f.Add(b)
	}
	f.Add("G-\xff12345 code")
	f.Add("<#> code 12 34 56\nFA+9qCX9VSu")
	f.Fuzz(func(t *testing.T, body string) {
		sh := Analyze(body)
		if !utf8.ValidString(sh.Template) {
			t.Errorf("template %q is not UTF-8", sh.Template)
		}
		if sh.Code != Extract(body) {
			t.Errorf("Analyze and Extract disagree on %q", body)
		}
		if sh.Code != "" {
			if sh.CodeLength < 4 || sh.CodeLength > 10 || sh.Alphabet == "" {
				t.Errorf("code %q has length %d, alphabet %q", sh.Code, sh.CodeLength, sh.Alphabet)
			}
			if !strings.Contains(body, sh.Code) && !strings.Contains(strings.Map(dropSeparators, body), sh.Code) {
				t.Errorf("code %q is not in %q", sh.Code, body)
			}
		}
	})
}

func dropSeparators(r rune) rune {
	if r == ' ' || r == '-' {
		return -1
	}
	return r
}

func BenchmarkAnalyze(b *testing.B) {
	long := strings.Repeat("Your parcel from Acme (order 12345) left our depot at 10:30 on 20/11/2026. ", 30)[:1510] +
		" Your verification code is 482913. Visit https://example.com/track?id=12345 for details."
	cases := map[string]string{
		"whatsapp": codeMessages[0].body,
		"bank":     "Dear Customer, your OTP for transaction of Rs.1,250.00 at AMAZON on HDFC Bank card ending 1234 is 482910. OTP valid for 10 mins.",
		"chinese":  "【腾讯科技】您的验证码为839201，5分钟内有效，请勿泄露。",
		"1600":     long,
	}
	for name, body := range cases {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				Analyze(body)
			}
		})
	}
}
